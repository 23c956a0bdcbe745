import type { Router } from '../http/router'
import { pageRoutes } from './page-routes'
import type { ConsoleData } from './port'
import { consoleRoutes, type ConsoleLimits } from './routes'

/** Adds the console to a server: its JSON API over `data` and its page. The local server and `pipeline console --target aws` both call it. */
export const mountConsole = (router: Router, data: ConsoleData, limits: ConsoleLimits): Router =>
  pageRoutes(consoleRoutes(router, data, limits))
