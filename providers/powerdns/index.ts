// @mooring/provider-powerdns: DNSRecords on a PowerDNS Authoritative Server, through its HTTP API.
// Written as any third party would write a mooring provider: against the public SDK only.
import { SDK_VERSION, defineProvider } from '../../sdk/index.ts';
import { probePowerDns } from './probe.ts';
import { RecordConnector } from './record.ts';

/** The registration the operator loads: ProviderConfigs of type `powerdns` serve DNSRecords. */
export default defineProvider({ type: 'powerdns', sdkVersion: SDK_VERSION, kinds: { DNSRecord: new RecordConnector() }, probe: probePowerDns });

export { RecordConnector } from './record.ts';
export type { RecordConnectorOptions } from './record.ts';
export { BATCH_DEFAULTS } from './batcher.ts';
export { API_DEFAULTS } from './api.ts';
export { PdnsReason } from './reasons.ts';
