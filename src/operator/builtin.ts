// The providers compiled into the operator. Plugins add theirs through the same registration.
import { BucketConnector, RecordConnector } from '../../providers/aws/index.ts';
import type { ProviderRegistration } from './providers.ts';

export function builtinProviders(): ProviderRegistration[] {
  return [{ type: 'aws', kinds: { Bucket: new BucketConnector(), DNSRecord: new RecordConnector() } }];
}
