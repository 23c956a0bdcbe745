import { Context, type Effect } from 'effect'

/**
 * Short-lived links to read one object of the bucket without credentials: an S3 presigned GET URL on AWS
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html), the local server's
 * `/objects/{key}` locally. Signing is local computation, so it cannot fail for want of the service.
 */
export class ObjectUrls extends Context.Tag('ObjectUrls')<
  ObjectUrls,
  {
    readonly getUrl: (key: string, expiresInSeconds: number) => Effect.Effect<string>
  }
>() {}
