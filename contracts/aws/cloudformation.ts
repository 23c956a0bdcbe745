import { Schema } from 'effect'

/*
 * The CloudFormation requests the local endpoint answers, as the query protocol carries them (form fields of
 * `Action=DescribeStacks&Version=2010-05-15&...`): https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Operations.html.
 * A refinement's message is the constraint as CloudFormation's validation words it.
 */

const lengthBetween = (min: number, max: number) =>
  Schema.String.pipe(
    Schema.minLength(min, { message: () => `Member must have length greater than or equal to ${min}` }),
    Schema.maxLength(max, { message: () => `Member must have length less than or equal to ${max}` }),
  )

const NextToken = lengthBetween(1, 1024)

export const DescribeStacksRequest = Schema.Struct({
  StackName: Schema.optional(Schema.String),
  NextToken: Schema.optional(NextToken),
})

export const ListStacksRequest = Schema.Struct({ NextToken: Schema.optional(NextToken) })

export const ListStackResourcesRequest = Schema.Struct({
  StackName: Schema.String,
  NextToken: Schema.optional(NextToken),
})

export const DescribeStackResourcesRequest = Schema.Struct({
  StackName: Schema.optional(Schema.String),
  LogicalResourceId: Schema.optional(Schema.String),
  PhysicalResourceId: Schema.optional(Schema.String),
})

export const DescribeStackResourceRequest = Schema.Struct({
  StackName: Schema.String,
  LogicalResourceId: Schema.String,
})

export const GetTemplateRequest = Schema.Struct({
  StackName: Schema.optional(Schema.String),
  ChangeSetName: Schema.optional(lengthBetween(1, 1600)),
  TemplateStage: Schema.optional(
    Schema.String.pipe(
      Schema.filter((stage) => stage === 'Original' || stage === 'Processed', {
        message: () => 'Member must satisfy enum value set: [Original, Processed]',
      }),
    ),
  ),
})
