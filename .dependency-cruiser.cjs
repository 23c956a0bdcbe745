/**
 * The architecture's import rules, checked by `npm run boundaries` (part of `npm test`). Type-only imports count:
 * a type import today is a value import tomorrow.
 */
const local = (folder) => `^infra/local/${folder}/`

/** infra/local by layer, lowest first: a folder may import its own layer and the ones below, never one above. */
const localLayers = [
  ['kernel', 'model'],
  ['eventbridge', 's3', 'sqs', 'dynamodb'],
  ['stepfunctions'],
  ['lambda', 'layers'],
]

const layerRules = localLayers.flatMap((layer, index) => {
  const above = localLayers.slice(index + 1).flat()
  const sameLayerOthers = (folder) => layer.filter((other) => other !== folder)
  return layer.flatMap((folder) => [
    ...(above.length > 0
      ? [
          {
            name: `local-${folder}-not-up`,
            comment: `infra/local/${folder} sits below ${above.join(', ')} and the composition root: it never imports them`,
            severity: 'error',
            from: { path: local(folder) },
            to: { path: [...above.map(local), '^infra/local/(runtime|main)\\.ts$', local('(http|console|api)')] },
          },
        ]
      : []),
    // The kernel and the model are the floor: neither imports a service.
    ...(index === 0
      ? [
          {
            name: `local-${folder}-floor`,
            comment: `infra/local/${folder} is the floor: it imports no other folder of infra/local but ${sameLayerOthers(folder).join(', ')}`,
            severity: 'error',
            from: { path: local(folder) },
            to: { path: '^infra/local/', pathNot: [local(folder), ...sameLayerOthers(folder).map(local)] },
          },
        ]
      : []),
  ])
})

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles anywhere in the source',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'infra-not-cli',
      comment: 'The CLI uses infra; infra never uses the CLI',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^cli/' },
    },
    {
      name: 'console-not-local',
      comment: 'The console talks to its port only; the local runtime is one adapter of it',
      severity: 'error',
      from: { path: '^infra/console/' },
      to: { path: '^infra/local/' },
    },
    {
      name: 'program-not-infra',
      comment: "A step's program depends on services (ports), never on an infrastructure",
      severity: 'error',
      from: { path: '^steps/.+/program\\.ts$' },
      to: { path: '^infra/' },
    },
    {
      name: 'steps-not-infra-local',
      comment: 'Steps never reach into the local runtime',
      severity: 'error',
      from: { path: '^steps/' },
      to: { path: '^infra/local/' },
    },
    {
      name: 'contracts-only-effect',
      comment: 'Contracts import only effect and each other',
      severity: 'error',
      from: { path: '^contracts/' },
      to: { pathNot: ['^contracts/', '^node_modules/effect/'] },
    },
    {
      name: 'bench-not-test',
      comment: 'Benchmarks measure the product, not test scaffolding',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^test/' },
    },
    {
      name: 'product-not-test',
      comment: 'Nothing shipped imports the tests',
      severity: 'error',
      from: { path: '^(contracts|steps|workflows|infra|cli)/' },
      to: { path: '^test/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|\\.pipeline|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
