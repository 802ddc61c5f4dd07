// Route 53 health checks for DNSRecords (spec.healthCheck). A check belongs to one DNSRecord by its
// CallerReference, `mooring-<uid>-<settings Route 53 cannot change>`: derived from the object's
// uid (the apiserver's, no tenant can choose it), so a create that crashed before its id was
// recorded is found again, and never from an id a spec or status holds, so no DNSRecord can attach
// another's check. Each check is tagged with the ownership mark. A change Route 53 cannot make
// (protocol, interval, an IP address added or removed) gets a new CallerReference: a new check,
// and the old one is deleted once the record set no longer names it.
// Route 53 refuses a CallerReference a deleted check had (HealthCheckAlreadyExists, for days), so
// each create appends when it was made: going back to settings used before (HTTP → TCP → HTTP), or
// recreating a check deleted out of band, is a fresh reference; the check is found by the part
// before it.
import { createHash } from 'node:crypto';
import {
  ChangeTagsForResourceCommand, CreateHealthCheckCommand, DeleteHealthCheckCommand, ListTagsForResourceCommand, UpdateHealthCheckCommand,
  type HealthCheck as R53HealthCheck, type HealthCheckConfig, type Route53Client,
} from '@aws-sdk/client-route-53';
import { OWNERSHIP_TAG, ZONE_DEFAULTS, type DNSRecordSpec, type FieldDiff, type HealthCheck, type HealthCheckSeen, type HealthChecks, type ManagedResource } from '../../../sdk/index.ts';
import type { AwsCaller } from '../common/client.ts';
import { HealthCheckListing } from './healthcheck-listing.ts';

export const HEALTH_CHECK_DEFAULTS = {
  /**
   * How old the account's listing may be to answer for a record's check: as old as a zone listing
   * may be for its record set (ZONE_DEFAULTS.knownMaxAgeMs), so one page serves every record of a
   * zone pass; our own writes keep it true meanwhile.
   */
  listMaxAgeMs: ZONE_DEFAULTS.knownMaxAgeMs,
} as const;

type Resource = ManagedResource<DNSRecordSpec>;

/** The prefix of every CallerReference of the resource's checks. */
export const referencePrefix = (uid: string) => `mooring-${uid}-`;
const ofResource = (uid: string) => (c: R53HealthCheck) => c.CallerReference?.startsWith(referencePrefix(uid)) === true;

/** What identifies the check the spec asks for: the uid and what Route 53 cannot change. */
export function callerReference(uid: string, want: HealthCheck): string {
  const fixed = JSON.stringify([want.protocol, want.requestInterval, want.ipAddress !== undefined]);
  return `${referencePrefix(uid)}${createHash('sha256').update(fixed).digest('hex').slice(0, 8)}`;
}

/** The CallerReference a create sends: the identity and when (base 36 ms, 62 characters in all). */
export const createReference = (uid: string, want: HealthCheck, at: number) => `${callerReference(uid, want)}-${at.toString(36)}`;

/** Whether a check's CallerReference is this identity's (as created, or from before the time suffix). */
const isIdentity = (identity: string) => (c: R53HealthCheck) => c.CallerReference === identity || c.CallerReference?.startsWith(`${identity}-`) === true;

/** The Route 53 config a spec asks for. */
export function toConfig(want: HealthCheck): HealthCheckConfig {
  return {
    Type: want.protocol,
    ...(want.ipAddress !== undefined ? { IPAddress: want.ipAddress } : {}),
    ...(want.fqdn !== undefined ? { FullyQualifiedDomainName: want.fqdn.replace(/\.$/, '') } : {}),
    Port: want.port ?? (want.protocol === 'HTTPS' ? 443 : 80),
    ...(want.path !== undefined ? { ResourcePath: want.path } : {}),
    RequestInterval: want.requestInterval,
    FailureThreshold: want.failureThreshold,
  };
}

/** The settings UpdateHealthCheck can change that differ, each by its spec path. */
export function diffConfig(want: HealthCheck, live: Partial<HealthCheckConfig>): FieldDiff[] {
  const desired = toConfig(want);
  const fields: [string, keyof HealthCheckConfig][] = [['fqdn', 'FullyQualifiedDomainName'], ['ipAddress', 'IPAddress'], ['port', 'Port'], ['path', 'ResourcePath'], ['failureThreshold', 'FailureThreshold']];
  return fields.filter(([, k]) => desired[k] !== live[k]).map(([path, k]) => ({ path: `healthCheck.${path}`, observed: live[k], desired: desired[k] }));
}

export class Route53HealthChecks implements HealthChecks {
  private readonly r53: Route53Client;
  private readonly aws: AwsCaller;
  private readonly listing: HealthCheckListing;
  private readonly now: () => number;

  constructor(r53: Route53Client, aws: AwsCaller, now: () => number = Date.now) {
    this.r53 = r53;
    this.aws = aws;
    this.now = now;
    this.listing = new HealthCheckListing(r53, aws, now);
  }

  async observe(resource: Resource, want: HealthCheck | undefined, named: string[]): Promise<HealthCheckSeen> {
    // A record that asks for no check, names none, and had none at the last listing costs no call.
    const known = this.listing.peek();
    if (!want && !named.length && known && !known.some(ofResource(resource.uid))) return { diff: [], stale: [] };
    const { current, stale } = await this.mine(resource, want);
    const ids = stale.map((c) => c.Id!);
    if (!want) return { diff: [], stale: ids };
    if (!current) return { diff: [{ path: 'healthCheck', observed: undefined, desired: toConfig(want) }], stale: ids };
    return { id: current.Id, diff: diffConfig(want, current.HealthCheckConfig ?? {}), stale: ids };
  }

  async ensure(resource: Resource, want: HealthCheck | undefined): Promise<string | undefined> {
    if (!want) return undefined;
    const { current } = await this.mine(resource, want);
    if (current) {
      const id = await this.correct(current, want);
      await this.mark(resource, id, true);
      return id;
    }
    const id = await this.create(resource, want);
    await this.mark(resource, id, false);
    return id;
  }

  async prune(resource: Resource, keep: (string | undefined)[]): Promise<void> {
    // Asked for no check in particular, every check of the resource is in `stale`.
    const { stale } = await this.mine(resource, undefined);
    for (const check of stale) {
      if (keep.includes(check.Id)) continue;
      await this.written(() => this.aws.call(`Route 53 DeleteHealthCheck ${check.Id}`, () => this.r53.send(new DeleteHealthCheckCommand({ HealthCheckId: check.Id })), { NoSuchHealthCheck: () => undefined }));
      this.listing.remove(check.Id!);
    }
  }

  /** This resource's checks, from the shared listing: the one the spec asks for, and the others. */
  private async mine(resource: Resource, want: HealthCheck | undefined): Promise<{ current?: R53HealthCheck | undefined; stale: R53HealthCheck[] }> {
    const all = (await this.listing.get(HEALTH_CHECK_DEFAULTS.listMaxAgeMs)).filter(ofResource(resource.uid));
    const current = want ? all.find(isIdentity(callerReference(resource.uid, want))) : undefined;
    return { current, stale: all.filter((c) => c !== current) };
  }

  /** A write; when it fails, what Route 53 did is unknown, so the shared listing is dropped. */
  private async written<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      this.listing.drop();
      throw err;
    }
  }

  private async create(resource: Resource, want: HealthCheck): Promise<string> {
    const ref = createReference(resource.uid, want, this.now());
    const answer = await this.written(() => this.aws.call(`Route 53 CreateHealthCheck ${ref}`, () => this.r53.send(new CreateHealthCheckCommand({ CallerReference: ref, HealthCheckConfig: toConfig(want) }))));
    this.listing.put(answer.HealthCheck!);
    return answer.HealthCheck!.Id!;
  }

  /** UpdateHealthCheck with what drifted (guarded by the version read), or nothing when nothing did. */
  private async correct(check: R53HealthCheck, want: HealthCheck): Promise<string> {
    const live: Partial<HealthCheckConfig> = check.HealthCheckConfig ?? {};
    const diff = diffConfig(want, live);
    if (!diff.length) return check.Id!;
    const desired = toConfig(want);
    // Route 53 resets what is no longer given only when told to.
    const reset = (['FullyQualifiedDomainName', 'ResourcePath'] as const).filter((k) => live[k] !== undefined && desired[k] === undefined);
    const answer = await this.written(() =>
      this.aws.call(`Route 53 UpdateHealthCheck ${check.Id}`, () =>
        this.r53.send(
          new UpdateHealthCheckCommand({
            HealthCheckId: check.Id,
            HealthCheckVersion: check.HealthCheckVersion,
            IPAddress: desired.IPAddress, Port: desired.Port, ResourcePath: desired.ResourcePath, FullyQualifiedDomainName: desired.FullyQualifiedDomainName, FailureThreshold: desired.FailureThreshold,
            ...(reset.length ? { ResetElements: reset } : {}),
          }),
        ),
      ),
    );
    const updated = answer.HealthCheck;
    if (updated && updated.Id === check.Id) this.listing.put(updated);
    else this.listing.drop();
    return check.Id!;
  }

  /**
   * Tags the check with the ownership mark. One found again (a create that crashed before tagging)
   * is read first and tagged only when it is not; a check just created has no tags yet.
   */
  private async mark(resource: Resource, id: string, found: boolean): Promise<void> {
    if (found) {
      const answer = await this.aws.call(`Route 53 ListTagsForResource healthcheck ${id}`, () => this.r53.send(new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id })));
      if (answer.ResourceTagSet?.Tags?.some((t) => t.Key === OWNERSHIP_TAG && t.Value === resource.ownershipMark)) return;
    }
    await this.aws.call(`Route 53 ChangeTagsForResource healthcheck ${id}`, () =>
      this.r53.send(new ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id, AddTags: [{ Key: OWNERSHIP_TAG, Value: resource.ownershipMark }] })),
    );
  }
}
