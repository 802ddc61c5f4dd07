// The providers compiled into the operator, registered the way a plugin registers its own.
import { BucketConnector, RdsInstanceConnector, RecordConnector } from '../../providers/aws/index.ts';
import { PostgresDatabaseConnector } from '../../providers/postgres/index.ts';
import { SDK_VERSION, defineProvider, type ProviderRegistration } from '../../providers/sdk/index.ts';

export function builtinProviders(): ProviderRegistration[] {
  return [
    defineProvider({ type: 'aws', sdkVersion: SDK_VERSION, kinds: { Bucket: new BucketConnector(), DNSRecord: new RecordConnector(), Database: new RdsInstanceConnector() } }),
    defineProvider({ type: 'postgres', sdkVersion: SDK_VERSION, kinds: { Database: new PostgresDatabaseConnector() } }),
  ];
}
