// The providers compiled into the operator, registered the way a plugin registers its own. Each
// connector's module, and the cloud SDK client it brings (tens of MiB each), loads on its first
// connect, kind by kind: an operator serving only PostgreSQL never loads the AWS SDK, and one
// serving only Buckets loads S3's client, not Route 53's or RDS's.
import { SDK_VERSION, defineProvider, type Connector, type ProviderRegistration } from '../../sdk/index.ts';

/** A connector that imports its implementation on the first connect. */
export function lazyConnector<Spec>(load: () => Promise<Connector<Spec>>): Connector<Spec> {
  let loaded: Promise<Connector<Spec>> | undefined;
  return {
    connect: async (connection) => {
      // A failed import is tried again next time rather than remembered.
      loaded ??= load().catch((err: unknown) => {
        loaded = undefined;
        throw err;
      });
      return (await loaded).connect(connection);
    },
    close: async () => {
      if (loaded) await (await loaded).close?.();
    },
  };
}

export function builtinProviders(): ProviderRegistration[] {
  const postgres = () => import('../../providers/postgres/index.ts');
  return [
    defineProvider({
      type: 'aws',
      sdkVersion: SDK_VERSION,
      kinds: {
        Bucket: lazyConnector(async () => new (await import('../../providers/aws/s3/bucket.ts')).BucketConnector()),
        DNSRecord: lazyConnector(async () => new (await import('../../providers/aws/route53/record.ts')).RecordConnector()),
        Database: lazyConnector(async () => new (await import('../../providers/aws/rds/instance.ts')).RdsInstanceConnector()),
      },
      probe: async (connection) => (await import('../../providers/aws/common/probe.ts')).probeAws(connection),
    }),
    defineProvider({
      type: 'postgres',
      sdkVersion: SDK_VERSION,
      kinds: { Database: lazyConnector(async () => new (await postgres()).PostgresDatabaseConnector()) },
      probe: async (connection) => (await postgres()).probePostgres(connection),
    }),
  ];
}
