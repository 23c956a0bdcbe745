import { randomUUID } from 'node:crypto'
import { Schema } from 'effect'
import {
  ExecutionStatusChange,
  ExecutionStatusChangeType,
  StatesSource,
  type StatusChangeStatus,
} from '../../../contracts/dead-letters'
import type { AnyEvent } from '../../../contracts/envelope'
import { LocalAccount, LocalRegion } from '../model/template'
import type { ExecutionRow } from './executor'

/** Past this, Step Functions leaves the input out of the event (then the output): EventBridge's event size. */
const IncludedBytes = 248 * 1024

const millis = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso))

/**
 * Step Functions' "Step Functions Execution Status Change" event for an execution that ended, as a Standard workflow
 * sends it to the default bus (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html): its ARN, state
 * machine, status, dates, input and output (left out past 248 KB together, `inputDetails.included` false), error
 * and cause. Express workflows send none.
 */
export const executionStatusChange = (execution: ExecutionRow): AnyEvent => {
  const escaped = (text: string | null) => (text === null ? 0 : Buffer.byteLength(JSON.stringify(text)))
  const output = escaped(execution.output) > IncludedBytes ? null : execution.output
  const input = escaped(execution.input) + escaped(output) > IncludedBytes ? null : execution.input
  const event: ExecutionStatusChange = {
    version: '0',
    id: randomUUID(),
    'detail-type': ExecutionStatusChangeType,
    source: StatesSource,
    account: LocalAccount,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LocalRegion,
    resources: [execution.arn],
    detail: {
      executionArn: execution.arn,
      stateMachineArn: execution.state_machine,
      name: execution.name,
      status: execution.status as StatusChangeStatus,
      startDate: millis(execution.start_date ?? execution.created_at) ?? Date.now(),
      stopDate: millis(execution.stop_date),
      input,
      output,
      inputDetails: { included: input !== null },
      outputDetails: execution.output === null ? null : { included: output !== null },
      error: execution.error,
      cause: execution.cause,
    },
  }
  return Schema.encodeSync(ExecutionStatusChange)(event) as unknown as AnyEvent
}
