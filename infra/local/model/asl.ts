/** A state of an ASL definition, as much of it as the local runtime reads. */
export interface AslState {
  readonly Type: string
  readonly Resource?: string
  readonly Next?: string
  readonly End?: boolean
  readonly Default?: string
  readonly Choices?: ReadonlyArray<{ readonly Next: string }>
  readonly Catch?: ReadonlyArray<{ readonly ErrorEquals: ReadonlyArray<string>; readonly Next: string }>
  readonly Retry?: ReadonlyArray<unknown>
  readonly ItemProcessor?: AslDefinition
  readonly Iterator?: AslDefinition
  readonly Branches?: ReadonlyArray<AslDefinition>
}

export interface AslDefinition {
  readonly StartAt: string
  readonly States: Readonly<Record<string, AslState>>
}

/** Every state of a definition, nested Map processors and Parallel branches included (names are unique machine-wide). */
export const allStates = (definition: AslDefinition): ReadonlyArray<[string, AslState]> =>
  Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...[state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].flatMap((inner) =>
      inner ? allStates(inner) : [],
    ),
  ])
