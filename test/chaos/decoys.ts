// Unowned decoys in each backend: things mooring did not make and must never change or delete.
// Decoy 0 of each has a resource of the same name in the population (it must be refused,
// NotOwned, and left alone when deleted); decoy 1 is never named by anything; decoy 2 is named,
// with `adopt: true`, only through the run's config whose policy forbids adoption
// (AdoptionNotGranted): it is checked with the other tenant's assets (tenant.ts).
import { CreateBucketCommand, PutBucketTaggingCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ChangeResourceRecordSetsCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import pg from 'pg';
import { bucketSnapshot, pgDatabaseSnapshot, pgRoleSnapshot, recordSets, recordSnapshot } from './oracle.ts';
import { decoyNames } from './population.ts';
import type { World } from './world.ts';

const ident = (s: string) => pg.escapeIdentifier(s);

/** Decoys 0 and 1 (decoysUntouched); 2 is reached through the forbidding config (tenant.ts). */
export const PLAIN_DECOYS = [0, 1];
export const ADOPTION_FORBIDDEN_DECOY = 2;

export async function createDecoys(w: World): Promise<void> {
  for (const i of [...PLAIN_DECOYS, ADOPTION_FORBIDDEN_DECOY]) {
    const names = decoyNames(w, i);
    await w.s3.send(new CreateBucketCommand({ Bucket: names.bucket }));
    await w.s3.send(new PutBucketTaggingCommand({ Bucket: names.bucket, Tagging: { TagSet: [{ Key: 'owner', Value: 'someone-else' }] } }));
    await w.s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: 'precious.txt', Body: `decoy ${i}: not mooring's` }));
    const fqdn = `${names.record}.${w.zoneName}`;
    await w.r53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: w.zoneId,
      ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: fqdn, Type: 'A', TTL: 600, ResourceRecords: [{ Value: `203.0.113.${10 + i}` }] } }] },
    }));
    await w.pg.query(`CREATE ROLE ${ident(names.database)} LOGIN PASSWORD 'decoy-${i}-password' CONNECTION LIMIT 3`);
    await w.pg.query(`CREATE DATABASE ${ident(names.database)} OWNER ${ident(names.database)} CONNECTION LIMIT 3`);
    // A comment reads as someone else's ownership mark (AlreadyOwned): decoy 2 must be unmarked,
    // so that only the policy stands between an adopting resource and it.
    if (i !== ADOPTION_FORBIDDEN_DECOY) await w.pg.query(`COMMENT ON DATABASE ${ident(names.database)} IS 'someone else''s'`);
  }
}

/** One decoy's full observable state, one string per thing, to compare byte for byte. */
export async function snapshotDecoy(w: World, i: number, sets: ResourceRecordSet[]): Promise<Record<string, string>> {
  const names = decoyNames(w, i);
  const fqdn = `${names.record}.${w.zoneName}`;
  return {
    [`bucket ${names.bucket}`]: await bucketSnapshot(w, names.bucket),
    // The decoy and anything beside it of its name (an ownership record added to it would be a change).
    [`record ${fqdn}`]: recordSnapshot(sets, fqdn),
    [`database ${names.database}`]: await pgDatabaseSnapshot(w, names.database),
    [`role ${names.database}`]: await pgRoleSnapshot(w, names.database),
  };
}

/** Every plain decoy's full observable state, one string per thing. */
export async function snapshotDecoys(w: World): Promise<Record<string, string>> {
  const sets = await recordSets(w);
  const out: Record<string, string> = {};
  for (const i of PLAIN_DECOYS) Object.assign(out, await snapshotDecoy(w, i, sets));
  return out;
}

/** The things that differ from `before`, each with both states. */
export function changedDecoys(before: Record<string, string>, now: Record<string, string>): string[] {
  return Object.keys(before).filter((k) => before[k] !== now[k]).map((k) => `${k}: was ${before[k]}, now ${now[k]}`);
}
