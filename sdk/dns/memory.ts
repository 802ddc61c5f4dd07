// A DNS backend held in memory, written only against the kit's port (port.ts): the proof that a
// third DNS provider needs nothing else, and the fixture of the kit's own tests (it passes the
// conformance kit's DNSRecord cases, memory.test.ts). A MemoryDns is the "server": zones of record
// sets, a token its ProviderConfigs must present, and a switch that takes it off the network.
// Not exported from the SDK: a test fixture.
import { createHash } from 'node:crypto';
import { RetryableError, TerminalError } from '../errors.ts';
import type { ProviderConnection } from '../contract.ts';
import { ProviderReason } from '../reasons.ts';
import { DnsRecordConnector } from './kit.ts';
import { canonical } from './names.ts';
import type { DnsChange } from './plan.ts';
import type { DnsBackend, DnsBackendFactory, HealthChecks } from './port.ts';
import { keyOf, type DnsRecordSet } from './records.ts';
import type { Zone } from './zones.ts';

export class MemoryDns {
  readonly zones = new Map<string, Map<string, DnsRecordSet>>();
  /** Requests that reached the server, by kind: `zone`, `list`, `submit`. */
  readonly requests: string[] = [];
  /** Whether its writes are guarded (CREATE refused when the set exists, DELETE when the values differ). */
  guarded = false;
  readonly token: string;

  constructor(token = 'memory-token') {
    this.token = token;
  }

  addZone(name: string): Map<string, DnsRecordSet> {
    const zone = new Map<string, DnsRecordSet>();
    this.zones.set(canonical(name), zone);
    return zone;
  }

  /** Applies the changes all or none, as DNS change APIs do. */
  apply(zoneId: string, changes: DnsChange[]): void {
    const zone = this.zoneOf(zoneId);
    const next = new Map(zone);
    for (const { action, recordSet } of changes) {
      const key = keyOf(recordSet);
      const live = next.get(key);
      if (this.guarded && action === 'CREATE' && live) throw refusal(`${recordSet.name} exists`);
      if (action === 'DELETE' && this.guarded && JSON.stringify(live?.values) !== JSON.stringify(recordSet.values)) throw refusal(`${recordSet.name} holds other values`);
      if (action === 'DELETE') next.delete(key);
      else next.set(key, structuredClone(recordSet));
    }
    zone.clear();
    for (const [k, v] of next) zone.set(k, v);
  }

  zoneOf(zoneId: string): Map<string, DnsRecordSet> {
    const zone = this.zones.get(zoneId);
    if (!zone) throw new TerminalError(ProviderReason.ZoneNotFound, `memory DNS has no zone ${zoneId}`);
    return zone;
  }
}

const refusal = (why: string) => new TerminalError(ProviderReason.InvalidChange, `memory DNS refused the batch: ${why}`);

/** The port on a MemoryDns, for one ProviderConfig: `settings.down` takes the server away. */
class MemoryBackend implements DnsBackend {
  readonly label = 'memory DNS';
  readonly batchName = 'one batch';
  readonly escapes = 'decimal';
  readonly guarded: boolean;
  readonly batch = { windowMs: 10, maxWaitMs: 100 };
  readonly observeFromKnown: boolean | undefined;
  readonly healthChecks: HealthChecks | undefined;
  private readonly server: MemoryDns;
  private readonly connection: ProviderConnection;

  constructor(server: MemoryDns, connection: ProviderConnection, options: MemoryOptions) {
    this.server = server;
    this.connection = connection;
    this.guarded = server.guarded;
    this.observeFromKnown = options.observeFromKnown;
    this.healthChecks = options.healthChecks;
  }

  async zone(ref: { id: string } | { name: string }): Promise<Zone> {
    this.reach('zone');
    const name = 'id' in ref ? ref.id : ref.name;
    this.server.zoneOf(name);
    return { id: name, name };
  }

  async list(zoneId: string, sent: () => void): Promise<DnsRecordSet[]> {
    this.reach('list');
    sent();
    return [...this.server.zoneOf(zoneId).values()].map((rs) => structuredClone(rs));
  }

  async submit(zoneId: string, changes: DnsChange[]): Promise<void> {
    this.reach('submit');
    this.server.apply(zoneId, changes);
  }

  private reach(what: string): void {
    if (this.connection.settings.down === 'true') throw new RetryableError(ProviderReason.ProviderUnavailable, `memory DNS ${what}: no answer`);
    this.server.requests.push(what);
    if (this.connection.secretData?.token !== this.server.token) throw new TerminalError(ProviderReason.InvalidCredentials, `memory DNS ${what}: the token is not the server's`);
  }
}

/** What a test may give the port beyond the server: the kit's clock, and the port's optional members. */
export interface MemoryOptions {
  now?: () => number;
  observeFromKnown?: boolean;
  healthChecks?: HealthChecks;
}

/** A DNSRecord connector on the server, as a provider would export it. */
export function memoryConnector(server: MemoryDns, options: MemoryOptions = {}): DnsRecordConnector {
  const factory: DnsBackendFactory = {
    fingerprint: (connection) => createHash('sha256').update(JSON.stringify([connection.settings.down, connection.secretData?.token])).digest('hex'),
    open: (connection) => new MemoryBackend(server, connection, options),
  };
  return new DnsRecordConnector(factory, options.now ? { now: options.now } : {});
}
