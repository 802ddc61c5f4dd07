// The AWS provider's public surface: connectors per kind, and what callers may need to read its
// errors and defaults. Everything else under providers/aws is private to the provider.
export { BucketConnector, BUCKET_DELETE_DEFAULTS } from './s3/bucket.ts';
export type { BucketConnectorOptions } from './s3/bucket.ts';
export { RdsInstanceConnector, finalSnapshotName } from './rds/instance.ts';
export { RecordConnector } from './route53/record.ts';
export type { RecordConnectorOptions } from './route53/record.ts';
export { BATCH_DEFAULTS } from './route53/batcher.ts';
export { AwsReason, classifyAwsError } from './common/classify.ts';
export { AWS_CLIENT_DEFAULTS, AwsSettings } from './common/client.ts';
export { probeAws } from './common/probe.ts';
export { listBuckets } from './s3/inventory.ts';
