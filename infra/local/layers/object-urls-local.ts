import { Effect, Layer } from 'effect'
import { ObjectUrls } from '../../../steps/services/object-urls'

/**
 * The {@link ObjectUrls} port as links to the local server's `GET /objects/{key}`, on the address it listens on
 * (`publicUrl()`, read when a link is made). The local server asks for no credentials, so a link does not expire.
 */
export const ObjectUrlsLocal = (publicUrl: () => string) =>
  Layer.succeed(ObjectUrls, {
    getUrl: (key) => Effect.sync(() => `${publicUrl()}/objects/${key.split('/').map(encodeURIComponent).join('/')}`),
  })
