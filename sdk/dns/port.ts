// The port a DNS backend implements to become a DNSRecord provider on the kit (sdk/dns/kit.ts):
// how to find a zone, list it, and submit a batch of changes to it, its escape syntax, and what
// it cannot do. Everything else (zone and listing caches, ownership records, the guarded plan,
// batching, submission tracking, observe/create/update/delete) is the kit's.
import type { BatchOptions } from '../batch.ts';
import type { DNSRecordAtProvider, DNSRecordSpec, HealthCheck } from '../../src/api/dnsrecord.ts';
import type { FieldDiff, ManagedResource, ProviderConnection } from '../contract.ts';
import type { EscapeSyntax } from './names.ts';
import type { DnsChange } from './plan.ts';
import type { DnsRecordSet } from './records.ts';
import type { Zone } from './zones.ts';

/** What the backend is still doing with a write it accepted (Route 53: a change until INSYNC). */
export interface Followed {
  /** Facts for status.atProvider (a change id and status). */
  atProvider: Partial<DNSRecordAtProvider>;
  /** Set while the write is not applied yet: what is awaited, as users read it. */
  waiting?: string | undefined;
}

/** The timing, limits and refusals of the backend's batches (ZoneBatcher's options; the kit keys changes by record set). */
export type DnsBatchOptions = Omit<BatchOptions<DnsChange>, 'key' | 'slot'>;

export interface DnsBackend<Receipt = void> {
  /** Its name in messages users read: `Route 53`, `PowerDNS`. */
  readonly label: string;
  /** What one batch is to it, in messages: `one batch`, `one PATCH`. */
  readonly batchName: string;
  /** How it writes an octet as `\` and three digits, in names and TXT values. */
  readonly escapes: EscapeSyntax;
  /**
   * Its writes carry guards: a CREATE is refused when the record set exists, a DELETE when the
   * values differ. The kit then plans batches on the listing its own writes kept true, without a
   * read per batch, and a refused batch is planned again on a fresh listing (sdk/batch.ts).
   */
  readonly guarded: boolean;
  /** An observe may answer from the known listing where a stale answer does no harm (ZONE_DEFAULTS.knownMaxAgeMs). */
  readonly observeFromKnown?: boolean | undefined;
  readonly batch: DnsBatchOptions;
  /** With `guarded`: runs a zone's write when the account limiter grants it a slot (BatchOptions.slot). */
  slot?(zoneId: string, write: () => Promise<void>): Promise<void>;

  /** A zone by id or by (canonical) name; a TerminalError ZoneNotFound when there is none. */
  zone(ref: { id: string } | { name: string }): Promise<Zone>;
  /**
   * Optional (SDK 1.9): every zone of the account (canonical names) when one request lists them
   * all, else undefined; the kit then finds zones named in specs in that one listing, shared by
   * all, and looks up by `zone` only a name it lacks or holds twice.
   */
  zones?(): Promise<Zone[] | undefined>;
  /**
   * Every record set of the zone, normalised (names canonical, values in zone-file form); calls
   * `sent` when its first request leaves the account limiter. ZoneNotFound when the zone is gone.
   */
  list(zoneId: string, sent: () => void): Promise<DnsRecordSet[]>;
  /**
   * One write call with the changes, applied atomically; typed errors as BatchPort.send says
   * (never retried here). `inSlot`: the call runs in the slot `slot` granted; do not queue again.
   */
  submit(zoneId: string, changes: DnsChange[], inSlot: boolean): Promise<Receipt>;
  /** Its health checks; without them the kit refuses spec.healthCheck (HealthCheckUnsupported). */
  readonly healthChecks?: HealthChecks | undefined;
  /** Refuses (TerminalError InvalidSpec, naming the field) what the spec asks that the backend cannot do. */
  refuse?(spec: DNSRecordSpec): void;
  /**
   * What became of an accepted write the backend applies later: `receipt` is the submission's (when
   * this process sent one), `recorded` the status of the last pass (after a restart). Undefined
   * when there is no such write to follow.
   */
  follow?(zone: Zone, submitted: { receipt?: Receipt | undefined } | undefined, recorded: Record<string, unknown> | undefined): Promise<Followed | undefined>;
}

/** What a backend's health checks show for one DNSRecord (HealthChecks.observe). */
export interface HealthCheckSeen {
  /** The check the spec asks for, when it exists: the id the record set must name. */
  id?: string | undefined;
  /** Where its settings differ from the spec (missing: one entry at `healthCheck`). */
  diff: FieldDiff[];
  /** Checks of this DNSRecord the spec no longer asks for (replaced, or the field removed): deleted once no record set names them. */
  stale: string[];
}

/**
 * Health checks a backend keeps beside its record sets (Route 53). Every check belongs to one
 * DNSRecord, found by what the backend derives from the resource's uid, never by an id a tenant
 * could write: a record set can name no check but its own DNSRecord's.
 */
export interface HealthChecks {
  /**
   * Reads only: the check the spec asks for, its drift, and this DNSRecord's stale checks. `named`:
   * the checks the live record set and the last status name (hints to look, never trusted as
   * ours); a record with neither, and no check asked, should cost no call in the steady state.
   */
  observe(resource: ManagedResource<DNSRecordSpec>, want: HealthCheck | undefined, named: string[]): Promise<HealthCheckSeen>;
  /** Creates (marked as the resource's) or corrects the check the spec asks for; its id, undefined when none is asked. */
  ensure(resource: ManagedResource<DNSRecordSpec>, want: HealthCheck | undefined): Promise<string | undefined>;
  /** Deletes this DNSRecord's checks except `keep` (those the record set names or is about to). */
  prune(resource: ManagedResource<DNSRecordSpec>, keep: (string | undefined)[]): Promise<void>;
}

/** How a provider makes its backend for a ProviderConfig. */
export interface DnsBackendFactory<Receipt = void> {
  /**
   * Checks the ProviderConfig (a bad one fails here, before any request) and returns what changes
   * when its endpoint or credentials do (never a secret itself): a new value gets a new account.
   */
  fingerprint(connection: ProviderConnection): string;
  open(connection: ProviderConnection): DnsBackend<Receipt>;
}
