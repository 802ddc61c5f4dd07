// Two resources never manage one external name. The decision is made from the watch cache,
// before any cloud call, the same way on every replica: the oldest claimant wins (creation time,
// then uid), so a race of two creates cannot leave both believing they own the thing.
import type { ClaimIndex, ManagedObject } from '../reconcile/types.ts';

/** The claim key of an object, without parsing its spec: the schema already checked the fields. */
export function claimKey(object: ManagedObject): string | undefined {
  const ref = (object.spec?.providerConfigRef as { name?: unknown } | undefined)?.name;
  if (typeof ref !== 'string') return undefined;
  const name = typeof object.spec?.externalName === 'string' ? object.spec.externalName : object.metadata.name;
  return `${ref}\u0000${name}`;
}

function older(a: ManagedObject, b: ManagedObject): boolean {
  const ta = new Date(a.metadata.creationTimestamp ?? 0).getTime();
  const tb = new Date(b.metadata.creationTimestamp ?? 0).getTime();
  return ta !== tb ? ta < tb : a.metadata.uid < b.metadata.uid;
}

/** An index from claim key to the objects claiming it, kept by the kind's watch events. */
export class ClaimRegistry implements ClaimIndex {
  private readonly byClaim = new Map<string, Map<string, ManagedObject>>();
  private readonly claimOfUid = new Map<string, string>();

  upsert(object: ManagedObject): void {
    this.remove(object);
    const key = claimKey(object);
    if (!key) return;
    let claimants = this.byClaim.get(key);
    if (!claimants) this.byClaim.set(key, (claimants = new Map<string, ManagedObject>()));
    claimants.set(object.metadata.uid, object);
    this.claimOfUid.set(object.metadata.uid, key);
  }

  remove(object: ManagedObject): void {
    const key = this.claimOfUid.get(object.metadata.uid);
    if (key === undefined) return;
    this.claimOfUid.delete(object.metadata.uid);
    const claimants = this.byClaim.get(key);
    claimants?.delete(object.metadata.uid);
    if (claimants?.size === 0) this.byClaim.delete(key);
  }

  earlierClaimant(object: ManagedObject, providerConfig: string, externalName: string): string | undefined {
    let best: ManagedObject | undefined;
    for (const other of this.byClaim.get(`${providerConfig}\u0000${externalName}`)?.values() ?? []) {
      if (other.metadata.uid === object.metadata.uid) continue;
      if (older(other, object) && (!best || older(other, best))) best = other;
    }
    return best && `${best.metadata.namespace}/${best.metadata.name}`;
  }
}
