import { readdirSync } from 'node:fs'
import * as path from 'node:path'
import { stepConstructId, StepKeys, stepName, StepNames, Steps } from '../../../../steps/kit/catalog'
import { stepsByName } from '../../../../steps/kit/registry'

const stepsRoot = path.resolve(__dirname, '..', '..', '..', '..', 'steps')

const handlerFolders = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return handlerFolders(full)
    return entry.name === 'handler.ts' ? [path.relative(stepsRoot, dir).split(path.sep).join('/')] : []
  })

describe('the step catalog', () => {
  it('names every handler folder under steps/, and no other', () => {
    expect(StepKeys.map((key) => Steps[key].folder).sort()).toEqual(handlerFolders(stepsRoot).sort())
  })

  it('has a registered program for every step, under the name derived from its key', () => {
    for (const key of StepKeys) expect(stepsByName.get(StepNames[key])?.name).toBe(stepName(key))
    expect(stepsByName.size).toBe(StepKeys.length)
  })

  it.each([
    ['renderImage', 'render-image', 'RenderImageStep'],
    ['recordImageFailure', 'record-image-failure', 'RecordImageFailureStep'],
    ['httpApi', 'http-api', 'HttpApiStep'],
  ] as const)('derives %s → name %s, construct %s', (key, name, id) => {
    expect(stepName(key)).toBe(name)
    expect(stepConstructId(key)).toBe(id)
  })
})
