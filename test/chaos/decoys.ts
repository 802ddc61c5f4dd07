// Unowned decoys in each backend: things mooring did not make and must never change or delete.
// Decoy 0 of each has a resource of the same name in the population (it must be refused,
// NotOwned, and left alone when deleted); decoy 1 is never named by anything.
import { CreateBucketCommand, PutBucketTaggingCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import pg from 'pg';
import { bucketSnapshot, pgDatabases, pgRoles, recordSets } from './oracle.ts';
import { decoyNames } from './population.ts';
import type { World } from './world.ts';

const ident = (s: string) => pg.escapeIdentifier(s);

export async function createDecoys(w: World): Promise<void> {
  for (const i of [0, 1]) {
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
    await w.pg.query(`COMMENT ON DATABASE ${ident(names.database)} IS 'someone else''s'`);
  }
}

/** Every decoy's full observable state, one string per decoy, to compare byte for byte. */
export async function snapshotDecoys(w: World): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const sets = await recordSets(w);
  const databases = await pgDatabases(w);
  const roles = await pgRoles(w);
  for (const i of [0, 1]) {
    const names = decoyNames(w, i);
    out[`bucket ${names.bucket}`] = await bucketSnapshot(w, names.bucket);
    const fqdn = `${names.record}.${w.zoneName}`;
    // The decoy and anything beside it of its name (an ownership record added to it would be a change).
    out[`record ${fqdn}`] = JSON.stringify(sets.filter((s) => s.Name === fqdn || s.Name?.endsWith(`.${fqdn}`)));
    out[`database ${names.database}`] = JSON.stringify(databases.find((d) => d.name === names.database) ?? 'gone');
    out[`role ${names.database}`] = JSON.stringify(roles.find((r) => r.name === names.database) ?? 'gone');
  }
  return out;
}

/** The decoys that differ from `before`, each with both states. */
export function changedDecoys(before: Record<string, string>, now: Record<string, string>): string[] {
  return Object.keys(before).filter((k) => before[k] !== now[k]).map((k) => `${k}: was ${before[k]}, now ${now[k]}`);
}
