// Two resources never manage one external name. The decision is made from the watch cache,
// before any cloud call, the same way on every replica: the oldest claimant wins (creation time,
// then uid), so a race of two creates cannot leave both believing they own the thing.
//
// A DNS record set's ownership record (`_mooring-<type>.<name>`) is not indexed beside it: every
// such name has a label starting `_mooring`, which the DNSRecord schema refuses (and a spec that
// does not parse claims nothing), so no claim could ever meet one. The adapters refuse those names
// too, for objects and callers that skip the schema, and the ownership record's own mark guards
// what this index cannot see (another ProviderConfig on the same zone, a zone given by id).
import { Reason } from '../reconcile/reasons.ts';
import type { ClaimIndex, ManagedKind, ManagedObject } from '../reconcile/types.ts';

const key = (kind: string, providerConfig: string, externalName: string) => `${kind}\u0000${providerConfig}\u0000${externalName}`;

/**
 * The claim key of an object: kind, ProviderConfig and external name. The external name is the
 * kind's own (`ManagedKind.externalName`, read from the parsed spec, e.g. a DNS record's zone,
 * name, type and set identifier) or else spec.externalName / metadata.name, read without parsing
 * (the schema already checked them). The reconciler asks with the same function, so both agree.
 */
export function claimKey(object: ManagedObject, kind?: ManagedKind): string | undefined {
  const ref = (object.spec?.providerConfigRef as { name?: unknown } | undefined)?.name;
  if (typeof ref !== 'string') return undefined;
  if (kind?.externalName) {
    const parsed = kind.spec.safeParse(object.spec ?? {});
    // A spec that does not parse claims nothing; the reconciler reports it InvalidSpec.
    return parsed.success ? key(object.kind, ref, kind.externalName(object, parsed.data)) : undefined;
  }
  const name = typeof object.spec?.externalName === 'string' ? object.spec.externalName : object.metadata.name;
  return key(object.kind, ref, name);
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
  private readonly kinds: Map<string, ManagedKind>;

  /** `kinds`: the managed kinds whose external name is their own function of the spec. */
  constructor(kinds: readonly ManagedKind[] = []) {
    this.kinds = new Map(kinds.map((k) => [k.kind, k]));
  }

  upsert(object: ManagedObject): void {
    this.remove(object);
    const key = claimKey(object, this.kinds.get(object.kind));
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

  claimant(kind: string, providerConfig: string, externalName: string): { namespace: string; name: string; ready: boolean } | undefined {
    let best: ManagedObject | undefined;
    for (const other of this.byClaim.get(key(kind, providerConfig, externalName))?.values() ?? []) if (!best || older(other, best)) best = other;
    const ready = best?.status?.conditions?.find((c) => c.type === 'Ready');
    return best && { namespace: best.metadata.namespace, name: best.metadata.name, ready: ready?.status === 'True' && ready.reason === Reason.Available };
  }

  earlierClaimant(object: ManagedObject, providerConfig: string, externalName: string): string | undefined {
    let best: ManagedObject | undefined;
    for (const other of this.byClaim.get(key(object.kind, providerConfig, externalName))?.values() ?? []) {
      if (other.metadata.uid === object.metadata.uid) continue;
      if (older(other, object) && (!best || older(other, best))) best = other;
    }
    return best && `${best.metadata.namespace}/${best.metadata.name}`;
  }
}
