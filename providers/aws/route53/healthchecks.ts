// Route 53 health checks for DNSRecords (spec.healthCheck). A check belongs to one DNSRecord by its
// CallerReference, `mooring-<uid>-<settings Route 53 cannot change>`: derived from the object's
// uid (the apiserver's, no tenant can choose it), so a create that crashed before its id was
// recorded is found again, and never from an id a spec or status holds, so no DNSRecord can attach
// another's check. Each check is tagged with the ownership mark. A change Route 53 cannot make
// (protocol, interval, an IP address added or removed) gets a new CallerReference: a new check,
// and the old one is deleted once the record set no longer names it.
import { createHash } from 'node:crypto';
import {
  ChangeTagsForResourceCommand, CreateHealthCheckCommand, DeleteHealthCheckCommand, ListHealthChecksCommand, ListTagsForResourceCommand, UpdateHealthCheckCommand,
  type HealthCheck as R53HealthCheck, type HealthCheckConfig, type Route53Client,
} from '@aws-sdk/client-route-53';
import { OWNERSHIP_TAG, type DNSRecordSpec, type FieldDiff, type HealthCheck, type HealthCheckSeen, type HealthChecks, type ManagedResource } from '../../../sdk/index.ts';
import type { AwsCaller } from '../common/client.ts';

/** How long one ListHealthChecks answers every DNSRecord of the account (our own writes clear it). */
const LIST_MAX_AGE_MS = 2_000;

type Resource = ManagedResource<DNSRecordSpec>;

/** The prefix of every CallerReference of the resource's checks. */
export const referencePrefix = (uid: string) => `mooring-${uid}-`;

/** The CallerReference of the check the spec asks for: the uid and what Route 53 cannot change. */
export function callerReference(uid: string, want: HealthCheck): string {
  const fixed = JSON.stringify([want.protocol, want.requestInterval, want.ipAddress !== undefined]);
  return `${referencePrefix(uid)}${createHash('sha256').update(fixed).digest('hex').slice(0, 8)}`;
}

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
  private listed: { at: number; checks: Promise<R53HealthCheck[]> } | undefined;

  constructor(r53: Route53Client, aws: AwsCaller) {
    this.r53 = r53;
    this.aws = aws;
  }

  async observe(resource: Resource, want: HealthCheck | undefined): Promise<HealthCheckSeen> {
    const { current, stale } = await this.mine(resource, want);
    const ids = stale.map((c) => c.Id!);
    if (!want) return { diff: [], stale: ids };
    if (!current) return { diff: [{ path: 'healthCheck', observed: undefined, desired: toConfig(want) }], stale: ids };
    return { id: current.Id, diff: diffConfig(want, current.HealthCheckConfig ?? {}), stale: ids };
  }

  async ensure(resource: Resource, want: HealthCheck | undefined): Promise<string | undefined> {
    if (!want) return undefined;
    const { current } = await this.mine(resource, want);
    const id = current ? await this.correct(current, want) : await this.create(resource, want);
    await this.mark(resource, id);
    return id;
  }

  async prune(resource: Resource, keep: (string | undefined)[]): Promise<void> {
    const { current, stale } = await this.mine(resource, undefined);
    for (const check of [...(current ? [current] : []), ...stale]) {
      if (keep.includes(check.Id)) continue;
      this.listed = undefined;
      await this.aws.call(`Route 53 DeleteHealthCheck ${check.Id}`, () => this.r53.send(new DeleteHealthCheckCommand({ HealthCheckId: check.Id })), { NoSuchHealthCheck: () => undefined });
    }
  }

  /** This resource's checks: the one the spec asks for, and the others. */
  private async mine(resource: Resource, want: HealthCheck | undefined): Promise<{ current?: R53HealthCheck | undefined; stale: R53HealthCheck[] }> {
    const ref = want ? callerReference(resource.uid, want) : undefined;
    const all = (await this.list()).filter((c) => c.CallerReference?.startsWith(referencePrefix(resource.uid)));
    return { current: all.find((c) => c.CallerReference === ref), stale: all.filter((c) => c.CallerReference !== ref) };
  }

  private list(): Promise<R53HealthCheck[]> {
    const now = Date.now();
    if (!this.listed || this.listed.at < now - LIST_MAX_AGE_MS) {
      const checks = this.listAll();
      checks.catch(() => (this.listed = undefined));
      this.listed = { at: now, checks };
    }
    return this.listed.checks;
  }

  private async listAll(): Promise<R53HealthCheck[]> {
    const out: R53HealthCheck[] = [];
    let marker: string | undefined;
    do {
      const page = await this.aws.call('Route 53 ListHealthChecks', () => this.r53.send(new ListHealthChecksCommand({ MaxItems: 1000, ...(marker ? { Marker: marker } : {}) })));
      out.push(...(page.HealthChecks ?? []));
      marker = page.IsTruncated ? page.NextMarker : undefined;
    } while (marker);
    return out;
  }

  private async create(resource: Resource, want: HealthCheck): Promise<string> {
    this.listed = undefined;
    const ref = callerReference(resource.uid, want);
    const answer = await this.aws.call(`Route 53 CreateHealthCheck ${ref}`, () => this.r53.send(new CreateHealthCheckCommand({ CallerReference: ref, HealthCheckConfig: toConfig(want) })));
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
    this.listed = undefined;
    await this.aws.call(`Route 53 UpdateHealthCheck ${check.Id}`, () =>
      this.r53.send(
        new UpdateHealthCheckCommand({
          HealthCheckId: check.Id,
          HealthCheckVersion: check.HealthCheckVersion,
          IPAddress: desired.IPAddress, Port: desired.Port, ResourcePath: desired.ResourcePath, FullyQualifiedDomainName: desired.FullyQualifiedDomainName, FailureThreshold: desired.FailureThreshold,
          ...(reset.length ? { ResetElements: reset } : {}),
        }),
      ),
    );
    return check.Id!;
  }

  /** Tags the check with the ownership mark unless it is (a create that crashed before tagging is finished here). */
  private async mark(resource: Resource, id: string): Promise<void> {
    const answer = await this.aws.call(`Route 53 ListTagsForResource healthcheck ${id}`, () => this.r53.send(new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id })));
    if (answer.ResourceTagSet?.Tags?.some((t) => t.Key === OWNERSHIP_TAG && t.Value === resource.ownershipMark)) return;
    await this.aws.call(`Route 53 ChangeTagsForResource healthcheck ${id}`, () =>
      this.r53.send(new ChangeTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: id, AddTags: [{ Key: OWNERSHIP_TAG, Value: resource.ownershipMark }] })),
    );
  }
}
