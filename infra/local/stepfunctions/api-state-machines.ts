import type { DatabaseSync } from 'node:sqlite'
import type { LocalStateMachine } from '../model/template'

/** A state machine created through the API, with what DescribeStateMachine tells of it. */
export interface ApiStateMachine extends LocalStateMachine {
  readonly roleArn: string
  readonly createdAt: string
}

interface Row {
  readonly arn: string
  readonly name: string
  readonly type: string
  readonly definition: string
  readonly role_arn: string
  readonly tags: string
  readonly logging: string
  readonly created_at: string
}

const fromRow = (row: Row): ApiStateMachine => ({
  arn: row.arn,
  name: row.name,
  workflow: row.name,
  type: row.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
  definition: JSON.parse(row.definition) as Record<string, unknown>,
  roleArn: row.role_arn,
  tags: JSON.parse(row.tags) as ApiStateMachine['tags'],
  logging: JSON.parse(row.logging) as NonNullable<ApiStateMachine['logging']>,
  createdAt: row.created_at,
})

/**
 * The state machines users create with CreateStateMachine, kept in the data directory so they survive a restart; the
 * template's own are synthesized at every start and never stored here.
 */
export class ApiStateMachines {
  constructor(private readonly db: DatabaseSync) {}

  all(): ReadonlyArray<ApiStateMachine> {
    return (this.db.prepare('SELECT * FROM api_state_machines ORDER BY created_at').all() as unknown as Row[]).map(
      fromRow,
    )
  }

  get(arn: string): ApiStateMachine | undefined {
    const row = this.db.prepare('SELECT * FROM api_state_machines WHERE arn = ?').get(arn) as unknown as Row | undefined
    return row ? fromRow(row) : undefined
  }

  put(machine: ApiStateMachine): void {
    this.db
      .prepare(
        `INSERT INTO api_state_machines (arn, name, type, definition, role_arn, tags, logging, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (arn) DO UPDATE SET definition = excluded.definition, role_arn = excluded.role_arn, tags = excluded.tags,
        logging = excluded.logging`,
      )
      .run(
        machine.arn,
        machine.name,
        machine.type,
        JSON.stringify(machine.definition),
        machine.roleArn,
        JSON.stringify(machine.tags ?? []),
        JSON.stringify(machine.logging ?? { level: 'OFF', includeExecutionData: false }),
        machine.createdAt,
      )
  }

  delete(arn: string): void {
    this.db.prepare('DELETE FROM api_state_machines WHERE arn = ?').run(arn)
  }
}
