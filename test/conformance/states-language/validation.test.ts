import { validateDefinition } from '../../../infra/local/stepfunctions/engine'

const api = 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinition.html'

const pass = { Type: 'Pass', End: true }

describe('definition validation', () => {
  it.each(
    [
      {
        name: 'an empty object (wording observed on AWS)',
        definition: {},
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'These fields are required: [States, StartAt]',
        location: '/',
      },
      {
        name: 'no StartAt (observed on AWS)',
        definition: { States: { A: pass } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'These fields are required: [StartAt]',
        location: '/',
      },
      {
        name: 'a StartAt naming no state',
        definition: { StartAt: 'B', States: { A: pass } },
        code: 'MISSING_TRANSITION_TARGET',
        message: "Missing 'Next' target: B",
        location: '/StartAt',
      },
      {
        name: 'a Next naming no state',
        definition: { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' } } },
        code: 'MISSING_TRANSITION_TARGET',
        message: "Missing 'Next' target: B",
        location: '/States/A/Next',
      },
      {
        name: 'an unreachable state',
        definition: { StartAt: 'A', States: { A: pass, B: pass } },
        code: 'UNREACHABLE_STATE',
        message: 'State "B" is not reachable',
        location: '/States/B',
      },
      {
        name: 'a state with neither Next nor End',
        definition: { StartAt: 'A', States: { A: { Type: 'Pass' } } },
        code: 'MISSING_TRANSITION_TARGET',
        message: 'State "A" is not an end state and has no next state',
        location: '/States/A',
      },
      {
        name: 'a field the state type does not take',
        definition: { StartAt: 'A', States: { A: { ...pass, Resource: 'x' } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The field 'Resource' is not supported for a state of type 'Pass'",
        location: '/States/A/Resource',
      },
      {
        name: 'an unknown field',
        definition: { StartAt: 'A', States: { A: { ...pass, Colour: 'red' } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The field 'Colour' is not supported by Step Functions",
        location: '/States/A/Colour',
      },
      {
        name: 'Parameters in a JSONata state',
        definition: { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { ...pass, Parameters: {} } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The field 'Parameters' is not supported when the QueryLanguage is 'JSONata'",
        location: '/States/A/Parameters',
      },
      {
        name: 'Output in a JSONPath state',
        definition: { StartAt: 'A', States: { A: { ...pass, Output: 1 } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The field 'Output' is supported only when the QueryLanguage is 'JSONata'",
        location: '/States/A/Output',
      },
      {
        name: 'an unknown QueryLanguage',
        definition: { QueryLanguage: 'XPath', StartAt: 'A', States: { A: pass } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]",
        location: '/QueryLanguage',
      },
      {
        name: 'a JSONPath state in a JSONata machine (wording observed on AWS)',
        definition: { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { ...pass, QueryLanguage: 'JSONPath' } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        location: '/States/A',
      },
      {
        name: 'an invalid JSONPath',
        definition: { StartAt: 'A', States: { A: { ...pass, InputPath: '$.a[' } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The value for the field 'InputPath' must be a valid JSONPath",
        location: '/States/A/InputPath',
      },
      {
        name: 'a ResultPath that is not a reference path',
        definition: { StartAt: 'A', States: { A: { ...pass, ResultPath: '$.a[*]' } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The value for the field 'ResultPath' must be a valid Reference Path",
        location: '/States/A/ResultPath',
      },
      {
        name: 'a .$ field that is neither a path nor an intrinsic (wording reported from AWS)',
        definition: { StartAt: 'A', States: { A: { ...pass, Parameters: { 'x.$': 'States.format(1)' } } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call",
        location: '/States/A/Parameters',
      },
      {
        name: 'an intrinsic with the wrong number of arguments',
        definition: { StartAt: 'A', States: { A: { ...pass, Parameters: { 'x.$': 'States.ArrayLength(1, 2)' } } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call",
        location: '/States/A/Parameters',
      },
      {
        name: 'States.ALL with other errors',
        definition: {
          StartAt: 'A',
          States: {
            A: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              End: true,
              Retry: [{ ErrorEquals: ['States.ALL', 'E'] }],
            },
          },
        },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The value 'States.ALL' must appear alone in 'ErrorEquals'",
        location: '/States/A/Retry/0/ErrorEquals',
      },
      {
        name: 'States.ALL before another catcher',
        definition: {
          StartAt: 'A',
          States: {
            A: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              End: true,
              Catch: [
                { ErrorEquals: ['States.ALL'], Next: 'A' },
                { ErrorEquals: ['E'], Next: 'A' },
              ],
            },
          },
        },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "A catcher with 'States.ALL' in 'ErrorEquals' must be the last one",
        location: '/States/A/Catch/0/ErrorEquals',
      },
      {
        name: 'a BackoffRate below 1',
        definition: {
          StartAt: 'A',
          States: {
            A: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              End: true,
              Retry: [{ ErrorEquals: ['E'], BackoffRate: 0.5 }],
            },
          },
        },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The field 'BackoffRate' must be a number greater than or equal to 1.0",
        location: '/States/A/Retry/0/BackoffRate',
      },
      {
        name: 'a Map without ItemProcessor',
        definition: { StartAt: 'A', States: { A: { Type: 'Map', End: true } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'These fields are required: [ItemProcessor]',
        location: '/States/A',
      },
      {
        name: 'a Wait Timestamp that is not RFC 3339 (wording observed on AWS)',
        definition: { StartAt: 'A', States: { A: { Type: 'Wait', Timestamp: '2016-12-05 21:29:29Z', End: true } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'String does not match RFC3339 timestamp',
        location: '/States/A/Timestamp',
      },
      {
        name: 'an intrinsic string escaping a double quote (observed on AWS)',
        definition: {
          StartAt: 'A',
          States: {
            A: { ...pass, Parameters: { 'parsed.$': 'States.StringToJson(\'{"text":"An \\"escaped\\" quote"}\')' } },
          },
        },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call",
        location: '/States/A/Parameters',
      },
      {
        name: 'a Parallel with no branches (wording observed on AWS)',
        definition: { StartAt: 'A', States: { A: { Type: 'Parallel', End: true, Branches: [] } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'Value cannot be empty',
        location: '/States/A/Branches',
      },
      {
        name: 'an unknown state type (wording observed on AWS)',
        definition: { StartAt: 'A', States: { A: { Type: 'Loop', End: true } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message:
          "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
        location: '/States/A/Type',
      },
      {
        name: 'a Parallel without Branches',
        definition: { StartAt: 'A', States: { A: { Type: 'Parallel', End: true } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'These fields are required: [Branches]',
        location: '/States/A',
      },
      {
        name: 'a Wait with two durations',
        definition: { StartAt: 'A', States: { A: { Type: 'Wait', Seconds: 1, SecondsPath: '$.s', End: true } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'Exactly one of these fields is required: [Seconds, Timestamp, SecondsPath, TimestampPath]',
        location: '/States/A',
      },
      {
        name: 'a Fail with Error and ErrorPath',
        definition: { StartAt: 'A', States: { A: { Type: 'Fail', Error: 'E', ErrorPath: '$.e' } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'Only one of these fields is allowed: [Error, ErrorPath]',
        location: '/States/A',
      },
      {
        name: 'a choice rule with two operators',
        definition: {
          StartAt: 'A',
          States: {
            A: { Type: 'Choice', Choices: [{ Variable: '$.a', StringEquals: 'x', IsNull: true, Next: 'B' }] },
            B: { Type: 'Succeed' },
          },
        },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: 'A choice rule must have exactly one comparison operator or one of And, Or, Not',
        location: '/States/A/Choices/0',
      },
      {
        name: 'a Variable rule in a JSONata Choice',
        definition: {
          QueryLanguage: 'JSONata',
          StartAt: 'A',
          States: {
            A: { Type: 'Choice', Choices: [{ Variable: '$.a', Condition: true, Next: 'B' }] },
            B: { Type: 'Succeed' },
          },
        },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The field 'Variable' is not supported when the QueryLanguage is 'JSONata'",
        location: '/States/A/Choices/0/Variable',
      },
      {
        name: 'a JSONata expression that does not parse',
        definition: { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { ...pass, Output: '{% 1 + %}' } } },
        code: 'SCHEMA_VALIDATION_FAILED',
        message: "The JSONata expression '1 +' is not valid: S0207: Unexpected end of expression",
        location: '/States/A/Output',
      },
      {
        name: 'a duplicate state name in a branch',
        definition: {
          StartAt: 'A',
          States: { A: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'A', States: { A: pass } }] } },
        },
        code: 'DUPLICATE_STATE_NAME',
        message: 'Duplicate State name: A',
        location: '/States/A/Branches/0/States/A',
      },
    ].map((row) => ({
      ...row,
      doc: api,
      note:
        row.name.includes('observed') || row.name.includes('reported')
          ? 'wording observed on AWS'
          : "the engine's wording: AWS publishes none",
    })),
  )('refuses $name', ({ definition, code, message, location }) => {
    expect(validateDefinition(definition)).toContainEqual({ severity: 'ERROR', code, message, location })
  })

  it.each(
    [
      {
        name: 'an ItemReader',
        state: {
          Type: 'Map',
          End: true,
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject' },
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        },
        location: '/States/A/ItemReader',
      },
      {
        name: 'a ResultWriter',
        state: {
          Type: 'Map',
          End: true,
          ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b' } },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED' },
            StartAt: 'P',
            States: { P: { Type: 'Pass', End: true } },
          },
        },
        location: '/States/A/ResultWriter',
      },
      {
        name: 'an Activity resource',
        state: { Type: 'Task', End: true, Resource: 'arn:aws:states:us-east-1:123456789012:activity:a' },
        location: '/States/A/Resource',
      },
    ].map((row) => ({ ...row, doc: api })),
  )('refuses what the engine does not run, with a clear message: $name', ({ state, location }) => {
    const diagnostics = validateDefinition({ StartAt: 'A', States: { A: state } })

    expect(diagnostics).toEqual([expect.objectContaining({ code: 'UNSUPPORTED_FEATURE', location })])
    expect(diagnostics[0]?.message).toMatch(/the local engine/)
  })

  it.each(
    [
      {
        name: 'a JSONPath machine using every state type',
        definition: {
          StartAt: 'P',
          States: {
            P: { Type: 'Pass', Next: 'C' },
            C: { Type: 'Choice', Choices: [{ Variable: '$.a', IsPresent: true, Next: 'W' }], Default: 'F' },
            W: { Type: 'Wait', Seconds: 1, Next: 'M' },
            M: {
              Type: 'Map',
              ItemsPath: '$.items',
              ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Succeed' } } },
              Next: 'L',
            },
            L: {
              Type: 'Parallel',
              Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', End: true } } }],
              Next: 'T',
            },
            T: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { 'x.$': "States.Format('{}', $.a)" },
              Next: 'S',
            },
            S: { Type: 'Succeed' },
            F: { Type: 'Fail' },
          },
        },
      },
      {
        name: 'a JSONata machine',
        definition: {
          QueryLanguage: 'JSONata',
          StartAt: 'A',
          States: { A: { Type: 'Pass', Output: { x: '{% $states.input.a %}' }, Assign: { v: 1 }, End: true } },
        },
      },
      {
        name: 'a Distributed Map over its input, with a Label, thresholds and a batcher',
        definition: {
          StartAt: 'A',
          States: {
            A: {
              Type: 'Map',
              Label: 'Jobs',
              ToleratedFailurePercentage: 10,
              ItemBatcher: { MaxItemsPerBatch: 2 },
              ItemProcessor: {
                ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
                StartAt: 'P',
                States: { P: { Type: 'Pass', End: true } },
              },
              End: true,
            },
          },
        },
      },
    ].map((row) => ({ ...row, doc: api })),
  )('accepts $name', ({ definition }) => {
    expect(validateDefinition(definition)).toEqual([])
  })

  it.each(
    [
      {
        name: '.waitForTaskToken',
        resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        message: "Express state machine does not support '.waitForTaskToken' service integration ",
      },
      {
        name: '.sync',
        resource: 'arn:aws:states:::states:startExecution.sync:2',
        message: "Express state machine does not support '.sync' service integration",
      },
    ].map((row) => ({ ...row, doc: `${api}`, note: 'wording observed on AWS' })),
  )('refuses $name in an EXPRESS state machine', ({ resource, message }) => {
    const definition = { StartAt: 'T', States: { T: { Type: 'Task', Resource: resource, End: true } } }

    expect(validateDefinition(definition, { type: 'EXPRESS' })).toEqual([
      { severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message, location: '/States/T/Resource' },
    ])
    expect(validateDefinition(definition)).toEqual([])
  })

  it.each([
    {
      name: 'an empty definition is a schema error',
      doc: api,
      note: 'observed on AWS',
      definition: '',
      expected: [
        { severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: 'Definition must be a valid JSON object' },
      ],
    },
    {
      name: 'text that is not JSON is INVALID_JSON_DESCRIPTION',
      doc: api,
      note: "AWS quotes its JSON parser's message; this one quotes Node's",
      definition: 'not a definition',
      expected: [expect.objectContaining({ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION' })],
    },
  ])('reports $name', ({ definition, expected }) => {
    expect(validateDefinition(definition)).toEqual(expected)
  })
})
