// Route 53's hosted zones and their record sets, read through the account limiter: a zone by id
// (GetHostedZone) or by name (ListHostedZonesByName, which must match exactly one), every zone of
// an account of at most 100 (one ListHostedZones page), and every record set of a zone, 300 a
// page. The DNS kit caches and shares them (sdk/dns/zones.ts).
import { GetHostedZoneCommand, ListHostedZonesByNameCommand, ListHostedZonesCommand, ListResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { TerminalError, canonical, type DnsRecordSet, type Zone } from '../../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import type { AwsCaller } from '../common/client.ts';
import { fromRoute53 } from './state.ts';

/**
 * A zone's look-up and listing are what every reconcile of its records waits on: ahead of the
 * batched writes at the account limiter, which only grow while they wait (under load, behind 10
 * zones' batches, each worker waited seconds for a listing, so batches stayed small and their
 * calls kept the limiter full).
 */
const AHEAD = { ahead: true } as const;

export const bareZoneId = (id: string) => id.replace(/^\/hostedzone\//, '');

/** A zone by id or by canonical name. */
export async function findZone(r53: Route53Client, aws: AwsCaller, ref: { id: string } | { name: string }): Promise<Zone> {
  if ('id' in ref) {
    const id = bareZoneId(ref.id);
    const answer = await aws.call(`Route 53 GetHostedZone ${id}`, () => r53.send(new GetHostedZoneCommand({ Id: id })), undefined, AHEAD);
    return { id, name: canonical(answer.HostedZone?.Name ?? '') };
  }
  const { name } = ref;
  const answer = await aws.call(`Route 53 ListHostedZonesByName ${name}`, () => r53.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 10 })), undefined, AHEAD);
  const matches = (answer.HostedZones ?? []).filter((z) => canonical(z.Name ?? '') === name);
  if (matches.length === 0) throw new TerminalError(AwsReason.ZoneNotFound, `no hosted zone is named ${name}; create it, or fix spec.zone`);
  if (matches.length > 1) {
    const ids = matches.map((z) => bareZoneId(z.Id ?? '')).join(', ');
    throw new TerminalError(AwsReason.InvalidSpec, `${matches.length} hosted zones are named ${name} (${ids}), a public and a private one perhaps; name one with spec.zone.id`);
  }
  return { id: bareZoneId(matches[0]!.Id ?? ''), name };
}

/** How many zones one ListHostedZones page holds: an account with more looks each zone up by name. */
export const ZONES_PAGE = 100;

/**
 * Every hosted zone of the account when one page lists them all (public and private alike, as
 * ListHostedZonesByName answers), else undefined: records in ten zones then cost one look-up, not
 * ten, and an account of more zones is not paged through for a few names.
 */
export async function listZones(r53: Route53Client, aws: AwsCaller): Promise<Zone[] | undefined> {
  const answer = await aws.call('Route 53 ListHostedZones', () => r53.send(new ListHostedZonesCommand({ MaxItems: ZONES_PAGE })), undefined, AHEAD);
  if (answer.IsTruncated) return undefined;
  return (answer.HostedZones ?? []).map((z) => ({ id: bareZoneId(z.Id ?? ''), name: canonical(z.Name ?? '') }));
}

/** Every record set of the zone, page by page; `sent` as each request leaves the limiter. */
export async function listZone(r53: Route53Client, aws: AwsCaller, zoneId: string, sent: () => void): Promise<DnsRecordSet[]> {
  const out: DnsRecordSet[] = [];
  type Start = { name?: string | undefined; type?: string | undefined; id?: string | undefined };
  let next: Start | undefined = {};
  while (next) {
    const start: Start = next;
    const page = await aws.call(`Route 53 ListResourceRecordSets on zone ${zoneId}`, () => {
      sent();
      return r53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          MaxItems: 300,
          ...(start.name ? { StartRecordName: start.name } : {}),
          ...(start.type ? { StartRecordType: start.type as never } : {}),
          ...(start.id ? { StartRecordIdentifier: start.id } : {}),
        }),
      );
    }, undefined, AHEAD);
    out.push(...(page.ResourceRecordSets ?? []).map(fromRoute53));
    next = page.IsTruncated ? { name: page.NextRecordName, type: page.NextRecordType, id: page.NextRecordIdentifier } : undefined;
  }
  return out;
}
