// The AWS target's limits, without the SDK: the commands' --help quotes them, and loading them costs nothing.

/** ListExecutions answers the newest first; `executions` shows one page of this many per workflow. */
export const ListedPerWorkflow = 100

/** `dlq` receives from a queue at most this many times, 10 messages each: SQS has no peek, only receives. */
export const ListRounds = 10

/** `dlq redrive` of a workflow's DLQ receives at most this many times, 10 messages each, per run. */
export const RedriveRounds = 100

/** How long `dlq redrive` follows the workflow runs it started, so one that fails again leaves a dead letter. */
export const RedriveFollowMs = 90_000

/** The archive's fixed name in stacks deployed before the CDK app left it to CloudFormation (now the `ArchiveName` output). */
export const ArchiveName = 'pipeline-archive'
