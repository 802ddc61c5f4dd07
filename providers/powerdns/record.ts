// The DNSRecord adapter on PowerDNS: the SDK's DNS kit on a PowerDNS backend. The port below finds
// and reads zones (one GET returns every record set) and sends each batch as one atomic PATCH; the
// kit does the rest (ownership records, the plan, batching, reporting a change queued, then
// written once PowerDNS took it). One backend per ProviderConfig, kept by the kit's connector.
import { DnsRecordConnector, ROUTING_POLICIES, TerminalError, type DnsBackend, type DnsChange, type DNSRecordSpec, type ProviderConnection, type Zone } from '../../sdk/index.ts';
import { PdnsApi, pdnsSettings } from './api.ts';
import { pdnsBatchOptions, type BatchOptions } from './batcher.ts';
import { PdnsReason } from './reasons.ts';
import { toApi } from './rrset.ts';
import { findZone, listZone } from './zones.ts';

export interface RecordConnectorOptions {
  /** Per-zone batching; defaults in BATCH_DEFAULTS. */
  batch?: BatchOptions;
  /** The kit's clock (caches, submissions); tests inject one. */
  now?: () => number;
}

/** PowerDNS behind the DNS kit's port, for one ProviderConfig. */
class PdnsBackend implements DnsBackend {
  readonly label = 'PowerDNS';
  readonly batchName = 'one PATCH';
  /** RFC 1035's `\DDD`, decimal, in names and TXT content. */
  readonly escapes = 'decimal';
  /** A REPLACE overwrites whatever is there: every PATCH is planned on a read made for it. */
  readonly guarded = false;
  readonly batch;
  private readonly api: PdnsApi;

  constructor(connection: ProviderConnection, options: RecordConnectorOptions) {
    this.api = new PdnsApi(pdnsSettings(connection), connection.limiter?.('powerdns'));
    this.batch = pdnsBatchOptions(options.batch);
  }

  zone(ref: { id: string } | { name: string }): Promise<Zone> {
    return findZone(this.api, ref);
  }

  list(zoneId: string, sent: () => void) {
    return listZone(this.api, zoneId, sent);
  }

  /**
   * PowerDNS has no conditional delete: a record set is deleted by name and type once the read this
   * PATCH was planned on showed it still ours.
   */
  async submit(zoneId: string, changes: DnsChange[]): Promise<void> {
    await this.api.patch(zoneId, changes.map(toApi));
  }

  refuse(spec: DNSRecordSpec): void {
    if (spec.alias !== undefined) throw unsupported(PdnsReason.InvalidSpec, 'spec.alias', 'Route 53 aliases');
    // Before the routing policy it usually rides on: the field named is the one this check is about.
    if (spec.healthCheck !== undefined) throw unsupported(PdnsReason.HealthCheckUnsupported, 'spec.healthCheck', 'health checks (Route 53 runs them; PowerDNS serves the record set whatever its target\'s health)');
    for (const policy of ROUTING_POLICIES) {
      if (spec[policy] !== undefined) throw unsupported(PdnsReason.RoutingUnsupported, `spec.${policy}`, `${policy} routing (it answers every query with the one record set of a name and type)`);
    }
  }
}

function unsupported(reason: PdnsReason, field: string, what: string): TerminalError {
  return new TerminalError(reason, `${field}: PowerDNS has no ${what}; remove ${field}, or use a ProviderConfig of type aws`);
}

export class RecordConnector extends DnsRecordConnector {
  constructor(options: RecordConnectorOptions = {}) {
    super(
      {
        // A bad ProviderConfig fails here, before any request; a changed endpoint or key gets a fresh account.
        fingerprint: (connection) => pdnsSettings(connection).fingerprint,
        open: (connection) => new PdnsBackend(connection, options),
      },
      options.now ? { now: options.now } : {},
    );
  }
}
