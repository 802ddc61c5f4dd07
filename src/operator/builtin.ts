// The providers compiled into the operator. Plugins add theirs through the same registration.
import { BucketConnector, probeAws, RdsInstanceConnector, RecordConnector } from '../../providers/aws/index.ts';
import { PostgresDatabaseConnector, probePostgres } from '../../providers/postgres/index.ts';
import type { ProviderRegistration } from './providers.ts';

export function builtinProviders(): ProviderRegistration[] {
  return [
    { type: 'aws', kinds: { Bucket: new BucketConnector(), DNSRecord: new RecordConnector(), Database: new RdsInstanceConnector() }, probe: probeAws },
    { type: 'postgres', kinds: { Database: new PostgresDatabaseConnector() }, probe: probePostgres },
  ];
}
