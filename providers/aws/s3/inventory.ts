// What `mooring import` reads of an account's S3: the names of its buckets (ListBuckets, paged).
// Read only; each bucket's settings are then read by the adapter's own observe.
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import type { ProviderConnection } from '../../../sdk/index.ts';
import { AwsCaller, awsSettings, s3ClientConfig } from '../common/client.ts';

/** Every bucket the credentials' account owns, by name, sorted. */
export async function listBuckets(connection: ProviderConnection): Promise<string[]> {
  awsSettings(connection);
  const s3 = new S3Client(s3ClientConfig(connection));
  const aws = new AwsCaller(connection.limiter?.('s3'));
  const names: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await aws.call('S3 ListBuckets', () => s3.send(new ListBucketsCommand({ ContinuationToken: token, MaxBuckets: 1000 })));
      for (const b of page.Buckets ?? []) if (b.Name) names.push(b.Name);
      token = page.ContinuationToken;
    } while (token);
  } finally {
    s3.destroy();
  }
  return names.sort();
}
