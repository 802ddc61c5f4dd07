// Route 53 as the DNS benchmarks see it: straight at the emulator, past the counting proxy, so
// making zones, checking what is there and cleaning up never count as the measured system's calls.
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import type { StackInfo } from '../src/stack/index.ts';
import { sleep } from './context.ts';

/** Route 53 requests among the proxy's counts by action. */
export const route53Calls = (byAction: Record<string, number>) => Object.entries(byAction).filter(([a]) => a.startsWith('route53:')).reduce((n, [, c]) => n + c, 0);

export class Zones {
  readonly names: string[];
  private readonly r53: Route53Client;
  private readonly ids: string[] = [];

  /** `count` zones named `<prefix><i>-<namespace>.test` (not made until `create`). */
  constructor(info: StackInfo, prefix: string, namespace: string, count: number) {
    const aws = info.aws!;
    this.r53 = new Route53Client({ endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } });
    this.names = Array.from({ length: count }, (_, i) => `${prefix}${i}-${namespace}.test`);
  }

  async create(): Promise<void> {
    for (const Name of this.names) {
      const made = await this.r53.send(new CreateHostedZoneCommand({ Name, CallerReference: `${Name}-${Date.now()}` }));
      this.ids.push(made.HostedZone!.Id!);
    }
  }

  /** How many record sets of `type` the zones hold now. */
  async count(type: string): Promise<number> {
    let n = 0;
    for (const id of this.ids) for (const rrset of await this.list(id)) if (rrset.Type === type) n++;
    return n;
  }

  /** Resolves once the zones hold `want` record sets of `type` (polled each second). */
  async until(type: string, want: number, timeoutMs = 1_800_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let have = await this.count(type); have !== want; have = await this.count(type)) {
      if (Date.now() > deadline) throw new Error(`${have} of ${want} ${type} record sets in ${this.names.join(', ')} after ${timeoutMs / 1000} s`);
      await sleep(1000);
    }
  }

  /** Empties and deletes every zone, whoever left records in it. */
  async delete(): Promise<void> {
    for (const id of this.ids.splice(0)) {
      const left = (await this.list(id)).filter((r) => r.Type !== 'SOA' && r.Type !== 'NS');
      for (let i = 0; i < left.length; i += 500) {
        const Changes = left.slice(i, i + 500).map((ResourceRecordSet) => ({ Action: 'DELETE' as const, ResourceRecordSet }));
        await this.r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: id, ChangeBatch: { Changes } }));
      }
      await this.r53.send(new DeleteHostedZoneCommand({ Id: id }));
    }
    this.r53.destroy();
  }

  private async list(id: string): Promise<ResourceRecordSet[]> {
    const out: ResourceRecordSet[] = [];
    let start: { StartRecordName?: string; StartRecordType?: never; StartRecordIdentifier?: string } | undefined = {};
    while (start) {
      const page: ListResourceRecordSetsCommandOutput = await this.r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id, MaxItems: 300, ...start }));
      out.push(...(page.ResourceRecordSets ?? []));
      start = page.IsTruncated ? { StartRecordName: page.NextRecordName!, StartRecordType: page.NextRecordType as never, StartRecordIdentifier: page.NextRecordIdentifier! } : undefined;
    }
    return out;
  }
}
