// What a Bucket's connection Secret holds: what an application's S3 client needs to reach the
// bucket, and nothing secret (the application brings its own identity; mooring makes no IAM
// user). Keys and the reasons for them: docs/bucket.md, "Connection details".
import type { ProviderConnection } from '../../../sdk/index.ts';
import { bucketArn, partitionOf } from '../common/arn.ts';
import { awsSettings } from '../common/client.ts';

/** The DNS suffix of S3's endpoints in a region's partition. */
const SUFFIX: Record<string, string> = {
  aws: 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-us-gov': 'amazonaws.com',
  'aws-eusc': 'amazonaws.eu',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
};

/** S3's regional endpoint, the one an SDK configured with the region would use. */
export function s3Endpoint(region: string): string {
  return `https://s3.${region}.${SUFFIX[partitionOf(region)] ?? 'amazonaws.com'}`;
}

/**
 * The bucket's connection details: its name, region and ARN, the endpoint the operator itself
 * uses (the ProviderConfig's override, an emulator or an S3-compatible store, else S3's regional
 * endpoint) and whether that endpoint needs path-style addressing (the ProviderConfig's
 * forcePathStyle setting, on by default with an override, as the operator's own client does).
 */
export function bucketConnectionDetails(bucket: string, region: string, connection: ProviderConnection): Record<string, string> {
  const pathStyle = awsSettings(connection).forcePathStyle ?? Boolean(connection.endpoint);
  return {
    bucket,
    region,
    arn: bucketArn(bucket, region),
    endpoint: connection.endpoint ?? s3Endpoint(region),
    forcePathStyle: String(pathStyle),
  };
}
