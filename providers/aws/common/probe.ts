// A cheap read-only call that proves a ProviderConfig reaches AWS (or its emulator) with working
// credentials: `mooring doctor` runs it. S3 ListBuckets needs only s3:ListAllMyBuckets and is
// served by every emulator; a failure is typed the way the adapters type theirs.
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import type { ProviderConnection } from '../../sdk/index.ts';
import { classifyAwsError } from './classify.ts';
import { s3ClientConfig } from './client.ts';

export async function probeAws(connection: ProviderConnection): Promise<string> {
  const client = new S3Client(s3ClientConfig(connection));
  try {
    const answer = await client.send(new ListBucketsCommand({}));
    return `S3 ListBuckets answered at ${connection.endpoint ?? `the ${connection.region} endpoint`} (${answer.Buckets?.length ?? 0} buckets visible)`;
  } catch (err) {
    throw classifyAwsError(err, `S3 ListBuckets at ${connection.endpoint ?? `the ${connection.region} endpoint`}`);
  } finally {
    client.destroy();
  }
}
