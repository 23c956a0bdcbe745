import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { Effect, Layer } from 'effect'
import { ObjectUrls } from '../../../steps/services/object-urls'

/**
 * The {@link ObjectUrls} port as S3 presigned GET URLs (`@aws-sdk/s3-request-presigner`), signed with the function
 * role's credentials: whoever holds the URL may read that one key until it expires, and no longer than the role's
 * session lasts (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html#who-presigned-url).
 * The role needs `s3:GetObject` on the key. Signing reads credentials, which on Lambda are already there: a failure
 * is a defect.
 */
export const ObjectUrlsS3 = (client: S3Client, bucket: string): Layer.Layer<ObjectUrls> =>
  Layer.succeed(ObjectUrls, {
    getUrl: (key, expiresInSeconds) =>
      Effect.promise(() =>
        getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds }),
      ),
  })
