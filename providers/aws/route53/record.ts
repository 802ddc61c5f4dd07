// The DNSRecord adapter on Route 53: the DNS kit (sdk/dns) on a Route 53 backend. The port below
// finds and lists hosted zones, sends change batches (ChangeResourceRecordSets), follows each
// accepted change until Route 53 says INSYNC, and keeps Route 53's change guards where the
// endpoint has them. One backend per ProviderConfig, kept by the kit's long-lived connector.
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DnsRecordConnector, type DnsBackend, type DnsChange, type Followed, type ProviderConnection, type Zone } from '../../../sdk/index.ts';
import { AwsCaller, awsClientConfig, awsSettings, sendWithCallSignal } from '../common/client.ts';
import { connectionFingerprint } from '../common/pool.ts';
import { route53BatchOptions, type BatchOptions, type ChangeInfo } from './batcher.ts';
import { ChangeTracker, bareChangeId } from './changes.ts';
import { Route53HealthChecks } from './healthchecks.ts';
import { toRoute53 } from './state.ts';
import { findZone, listZone, listZones } from './zones.ts';

export interface RecordConnectorOptions {
  /** Per-zone batching; defaults in BATCH_DEFAULTS. */
  batch?: BatchOptions;
  /** The kit's clock (caches, submissions); tests inject one. */
  now?: () => number;
}

/** Route 53 behind the DNS kit's port, for one ProviderConfig (one account, one limiter). */
class Route53Backend implements DnsBackend<ChangeInfo> {
  readonly label = 'Route 53';
  readonly batchName = 'one batch';
  readonly escapes = 'octal';
  /**
   * The endpoint keeps Route 53's change guards (settings.route53ChangeGuards; default: AWS itself,
   * not an endpoint override). Without them (moto) a plan rests on a listing made for it, and its
   * writes are UPSERTs and exact DELETEs: moto refuses a CREATE it journalled once before, even of
   * a record set deleted since, and lets a CREATE add a second record set beside one that exists.
   */
  readonly guarded: boolean;
  readonly observeFromKnown = true;
  readonly batch;
  private readonly r53: Route53Client;
  // Every Route 53 request of the account, zone look-ups included, shares the one limiter.
  private readonly aws: AwsCaller;
  private readonly changes: ChangeTracker;
  readonly healthChecks: Route53HealthChecks;

  constructor(connection: ProviderConnection, options: RecordConnectorOptions) {
    this.r53 = sendWithCallSignal(new Route53Client(awsClientConfig(connection)));
    this.aws = new AwsCaller(connection.limiter?.('route53'));
    this.changes = new ChangeTracker(this.r53, this.aws);
    this.healthChecks = new Route53HealthChecks(this.r53, this.aws);
    this.guarded = awsSettings(connection).route53ChangeGuards ?? !connection.endpoint;
    this.batch = route53BatchOptions(options.batch);
  }

  slot(_zoneId: string, write: () => Promise<void>): Promise<void> {
    return this.aws.reserve(write);
  }

  zone(ref: { id: string } | { name: string }): Promise<Zone> {
    return findZone(this.r53, this.aws, ref);
  }

  zones(): Promise<Zone[] | undefined> {
    return listZones(this.r53, this.aws);
  }

  list(zoneId: string, sent: () => void) {
    return listZone(this.r53, this.aws, zoneId, sent);
  }

  async submit(zoneId: string, changes: DnsChange[], inSlot: boolean): Promise<ChangeInfo> {
    const answer = await this.aws.call(
      `Route 53 ChangeResourceRecordSets on zone ${zoneId} (${changes.length} changes)`,
      () =>
        this.r53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ChangeBatch: { Comment: 'mooring', Changes: changes.map((c) => ({ Action: c.action, ResourceRecordSet: toRoute53(c.recordSet) })) },
          }),
        ),
      undefined,
      { inSlot },
    );
    const change = { id: bareChangeId(answer.ChangeInfo?.Id ?? ''), status: answer.ChangeInfo?.Status ?? 'PENDING' };
    this.changes.submitted(change.id, change.status);
    return change;
  }

  /** The change that carried our last write (or the one the last pass recorded), until INSYNC. */
  async follow(zone: Zone, submitted: { receipt?: ChangeInfo | undefined } | undefined, recorded: Record<string, unknown> | undefined): Promise<Followed | undefined> {
    const change = submitted?.receipt ?? recordedChange(recorded, zone.id);
    if (!change) return undefined;
    const status = change.status === 'INSYNC' && !submitted ? 'INSYNC' : await this.changes.status(change.id);
    return { atProvider: { changeId: change.id, changeStatus: status }, ...(status === 'PENDING' ? { waiting: `waiting for Route 53 change ${change.id} to be INSYNC` } : {}) };
  }
}

/** A change the last pass recorded in status, when it belongs to this zone. */
function recordedChange(recorded: Record<string, unknown> | undefined, zoneId: string): ChangeInfo | undefined {
  const id = recorded?.changeId;
  if (typeof id !== 'string' || recorded?.hostedZoneId !== zoneId) return undefined;
  return { id, status: recorded.changeStatus === 'INSYNC' ? 'INSYNC' : 'PENDING' };
}

export class RecordConnector extends DnsRecordConnector<ChangeInfo> {
  constructor(options: RecordConnectorOptions = {}) {
    super(
      {
        fingerprint: (connection) => {
          awsSettings(connection); // a bad ProviderConfig fails here, before any request
          return connectionFingerprint(connection);
        },
        open: (connection) => new Route53Backend(connection, options),
      },
      options.now ? { now: options.now } : {},
    );
  }
}
