import { defaultProvider } from '@aws-sdk/credential-provider-node'
import { Client } from '@opensearch-project/opensearch'
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3'
import { Effect, Layer } from 'effect'
import { SearchIndex, SearchIndexDisabled } from '../../../steps/services/search-index'
import { lazily, setting, type AwsClient, type AwsService } from './aws-layer'
import { SearchDisabledEndpoint, SearchDisabledReason, SearchIndexOpenSearch } from './search-index-opensearch'

/**
 * The OpenSearch client of one domain, its requests signed with SigV4 for the `es` service by the client's own
 * `AwsSigv4Signer` (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/request-signing.html#request-signing-node),
 * with the Lambda role's credentials from the default provider chain, refreshed before they expire. The client
 * retries a dropped connection once; the workflow's retry policy does the rest.
 */
export const makeOpenSearchClient = (options: {
  readonly endpoint: string
  readonly region: string
  readonly getCredentials?: Parameters<typeof AwsSigv4Signer>[0]['getCredentials']
}): Client =>
  new Client({
    ...AwsSigv4Signer({
      region: options.region,
      service: 'es',
      getCredentials: options.getCredentials ?? defaultProvider(),
    }),
    node: options.endpoint,
    maxRetries: 1,
    requestTimeout: 10_000,
  })

// The client needs the endpoint, which only the layer knows: it is made there, and closed with the layer's scope.
const noClient: AwsClient<{ destroy: () => void }> = { make: () => ({ destroy: () => undefined }) }

export const AwsSearchIndex: AwsService<SearchIndex, { destroy: () => void }> = {
  client: noClient,
  layer: (_client, env) =>
    lazily(SearchIndex, 'SearchIndex', setting(env, 'SearchIndex'), 'https://search.invalid', (endpoint) =>
      endpoint === SearchDisabledEndpoint
        ? SearchIndexDisabled(SearchDisabledReason)
        : Layer.unwrapScoped(
            Effect.map(
              Effect.acquireRelease(
                Effect.sync(() => makeOpenSearchClient({ endpoint, region: env.AWS_REGION ?? 'us-east-1' })),
                (client) => Effect.promise(() => client.close()),
              ),
              (client) => SearchIndexOpenSearch(client),
            ),
          ),
    ),
}
