// The account's health checks as one shared listing (ListHealthChecks, 1,000 a page), so drift
// checks cost an account a page per pass, not a listing per record. Our own writes keep it true
// (the check Route 53 answered is put in, a deleted one taken out), also across a listing that was
// in flight when they were made; a failed write drops it, since what Route 53 did is then unknown.
import { ListHealthChecksCommand, type HealthCheck, type Route53Client } from '@aws-sdk/client-route-53';
import type { AwsCaller } from '../common/client.ts';

interface Written {
  at: number;
  id: string;
  /** The check as Route 53 answered our write; undefined: deleted. */
  check?: HealthCheck | undefined;
}

export class HealthCheckListing {
  private readonly r53: Route53Client;
  private readonly aws: AwsCaller;
  private readonly now: () => number;
  private checks: Map<string, HealthCheck> | undefined;
  private listedAt = -Infinity;
  private inFlight: Promise<Map<string, HealthCheck>> | undefined;
  private droppedAt = -Infinity;
  /** Our writes not yet known to be in a listing that started after them. */
  private written: Written[] = [];

  constructor(r53: Route53Client, aws: AwsCaller, now: () => number = Date.now) {
    this.r53 = r53;
    this.aws = aws;
    this.now = now;
  }

  /** Every check of the account, from a listing started at most `maxAgeMs` ago (one in flight is shared). */
  async get(maxAgeMs: number): Promise<HealthCheck[]> {
    if (this.checks && this.listedAt >= this.now() - maxAgeMs) return [...this.checks.values()];
    return [...(await this.refresh()).values()];
  }

  /** The last listing, without a call; undefined when there is none. */
  peek(): HealthCheck[] | undefined {
    return this.checks && [...this.checks.values()];
  }

  /** A check our write created or changed, as Route 53 answered it. */
  put(check: HealthCheck): void {
    this.wrote({ at: this.now(), id: check.Id!, check });
  }

  /** A check our write deleted (or Route 53 no longer has). */
  remove(id: string): void {
    this.wrote({ at: this.now(), id });
  }

  /** A write failed: the listing may no longer be true. */
  drop(): void {
    this.checks = undefined;
    this.droppedAt = this.now();
  }

  private wrote(w: Written): void {
    this.written.push(w);
    if (this.checks) apply(this.checks, [w]);
  }

  private refresh(): Promise<Map<string, HealthCheck>> {
    if (this.inFlight) return this.inFlight;
    const startedAt = this.now();
    const done = this.listAll().then((list) => {
      const checks = new Map(list.map((c) => [c.Id!, c]));
      // Writes answered after the listing started may be missing from its pages.
      apply(checks, this.written.filter((w) => w.at >= startedAt));
      this.written = this.written.filter((w) => w.at >= startedAt);
      if (this.droppedAt < startedAt) [this.checks, this.listedAt] = [checks, startedAt];
      return checks;
    });
    this.inFlight = done.finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async listAll(): Promise<HealthCheck[]> {
    const out: HealthCheck[] = [];
    let marker: string | undefined;
    do {
      const page = await this.aws.call('Route 53 ListHealthChecks', () => this.r53.send(new ListHealthChecksCommand({ MaxItems: 1000, ...(marker ? { Marker: marker } : {}) })));
      out.push(...(page.HealthChecks ?? []));
      marker = page.IsTruncated ? page.NextMarker : undefined;
    } while (marker);
    return out;
  }
}

function apply(checks: Map<string, HealthCheck>, writes: Written[]): void {
  for (const w of writes) {
    if (w.check) checks.set(w.id, w.check);
    else checks.delete(w.id);
  }
}
