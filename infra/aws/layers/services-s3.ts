import { S3Client } from '@aws-sdk/client-s3'
import { ObjectStore } from '../../../steps/services/object-store'
import { ObjectUrls } from '../../../steps/services/object-urls'
import { lazily, setting, type AwsClient, type AwsService } from './aws-layer'
import { ObjectStoreS3 } from './object-store-s3'
import { ObjectUrlsS3 } from './object-urls-s3'

const s3: AwsClient<S3Client> = { make: () => new S3Client({}) }

export const AwsObjectStore: AwsService<ObjectStore, S3Client> = {
  client: s3,
  layer: (s3, env) =>
    lazily(ObjectStore, 'ObjectStore', setting(env, 'ObjectStore'), '', (bucket) => ObjectStoreS3(s3, bucket)),
}

export const AwsObjectUrls: AwsService<ObjectUrls, S3Client> = {
  client: s3,
  layer: (s3, env) =>
    lazily(ObjectUrls, 'ObjectUrls', setting(env, 'ObjectUrls'), '', (bucket) => ObjectUrlsS3(s3, bucket)),
}
