// The reference invariants on fabricated objects (no stack): each must report what it exists to
// find (a stale value, a dependant Ready on a cycle or without its value, an export out of step,
// a delete let go while referenced) and stay quiet when all holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import type { Live } from './invariants.ts';
import type { Population, Slot } from './population.ts';
import { dependantsSettled, exportsMatchStatus, onCycles } from './refinvariants.ts';
import { RefModel, refSlots } from './references.ts';
import type { World } from './world.ts';

const w = { namespace: 'ns', ownershipId: 'chaos-x', zoneName: 'z.test.', secrets: new Set<string>() } as unknown as World;
const cond = (type: string, status: string, reason: string) => ({ type, status, reason, message: '', lastTransitionTime: '' });
const object = (kind: string, name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}, uid = `${name}-uid`): ManagedObject =>
  ({ apiVersion: 'mooring.dev/v1alpha1', kind, metadata: { name, namespace: 'ns', uid, generation: 1 }, spec, status: { observedGeneration: 1, ...status } });
const liveOf = (objects: ManagedObject[]): Live => ({ objects, byKey: new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o])) });
const fqdnRef = (name: string) => ({ valuesFrom: [{ resourceFieldRef: { kind: 'DNSRecord', name, field: 'fqdn' } }], ttl: 60 });
const ready = { conditions: [cond('Ready', 'True', 'Available')] };

/** rf0 a CNAME, rf1 a TXT (refSlots' order), both live under the uids `rf0-uid`, `rf1-uid`. */
function population(): Population {
  const slots: Slot[] = [...refSlots(2), { kind: 'Bucket', name: 'b0', decoy: false, live: true, busy: false }];
  for (const s of slots) Object.assign(s, { live: true, uid: `${s.name}-uid` });
  const p = { slots, history: new Map() } as unknown as Population;
  Object.assign(p, { refs: new RefModel(w, () => slots) });
  return p;
}

/** rf0's CNAME with `value`, and its ownership record. */
const zone = (value: string): ResourceRecordSet[] => [
  { Name: 'rf0.z.test.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: value }] },
  { Name: '_mooring-cname.rf0.z.test.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"chaos-x/ns/rf0/rf0-uid"' }] },
];

describe('reference invariants', () => {
  it('finds the objects on a cycle, and only those', () => {
    const live = liveOf([object('DNSRecord', 'rf0', fqdnRef('rf1')), object('DNSRecord', 'rf1', fqdnRef('rf0')), object('DNSRecord', 'rf2', fqdnRef('rf0'))]);
    assert.deepEqual([...onCycles(live)].sort(), ['DNSRecord/rf0', 'DNSRecord/rf1']);
  });

  it("a Ready dependant must hold the referenced object's value now; one on a cycle must be refused with ReferenceCycle", () => {
    const p = population();
    const rf0 = object('DNSRecord', 'rf0', fqdnRef('r9'), ready);
    const target = object('DNSRecord', 'r9', {}, { atProvider: { fqdn: 'r9.z.test.' } });
    assert.deepEqual(dependantsSettled(w, p, liveOf([rf0, target]), new Map(), zone('r9.z.test')), [], 'the value it references');
    const stale = dependantsSettled(w, p, liveOf([rf0, target]), new Map(), zone('old.z.test'));
    assert.equal(stale.length, 1);
    assert.match(stale[0]!, /rf0.*"old.z.test".*"r9.z.test"/);
    const looped = liveOf([object('DNSRecord', 'rf0', fqdnRef('rf1'), ready), object('DNSRecord', 'rf1', fqdnRef('rf0'), { conditions: [cond('Ready', 'False', 'ReferenceCycle'), cond('Degraded', 'True', 'ReferenceCycle')] })]);
    assert.deepEqual(dependantsSettled(w, p, looped, new Map(), zone('rf1.z.test')).map((v) => v.split(' ')[0]), ['DNSRecord/rf0'], 'rf0 is Ready on a cycle; rf1 is refused as it must be');
  });

  it('a dependant whose ConfigMap key is gone must wait with ReferenceNotReady, never stay Ready', () => {
    const p = population();
    const spec = { valuesFrom: [{ configMapKeyRef: { name: 'cm', key: 'host' } }], ttl: 60 };
    const cms = new Map<string, V1ConfigMap>([['cm', { data: { other: 'x' } }]]);
    assert.equal(dependantsSettled(w, p, liveOf([object('DNSRecord', 'rf0', spec, ready)]), cms, zone('x')).length, 1);
    const waiting = object('DNSRecord', 'rf0', spec, { conditions: [cond('Ready', 'False', 'ReferenceNotReady'), cond('Progressing', 'True', 'ReferenceNotReady')] });
    assert.deepEqual(dependantsSettled(w, p, liveOf([waiting]), cms, []), []);
  });

  it('an export must hold the status fields, in a ConfigMap the object made', () => {
    const p = population();
    const bucket = object('Bucket', 'b0', { exportTo: { name: 'b0-info1' } }, { ...ready, atProvider: { name: 'b0', region: 'us-east-1' } });
    const made = (data: Record<string, string>, uid = 'b0-uid'): Map<string, V1ConfigMap> =>
      new Map([['b0-info1', { metadata: { name: 'b0-info1', labels: { 'mooring.dev/exported-by': uid }, ownerReferences: [{ uid, apiVersion: 'v1', kind: 'Bucket', name: 'b0' }] }, data }]]);
    const all = { name: 'b0', region: 'us-east-1', regionalDomainName: 'b0.s3.us-east-1.amazonaws.com' };
    assert.deepEqual(exportsMatchStatus(p, liveOf([bucket]), made(all)), []);
    assert.equal(exportsMatchStatus(p, liveOf([bucket]), made({ ...all, region: 'eu-west-1' })).length, 1, 'out of step');
    assert.equal(exportsMatchStatus(p, liveOf([bucket]), made(all, 'someone-else')).length, 1, 'not its own');
    assert.equal(exportsMatchStatus(p, liveOf([bucket]), new Map()).length, 1, 'missing');
  });

  it('a slot deleted without the annotation is held while a dependant reads it; with it, or under Retain, it is not', () => {
    const p = population();
    const [rf0, , b0] = p.slots as [Slot, Slot, Slot];
    p.refs.acked(rf0, { valuesFrom: [{ resourceFieldRef: { kind: 'Bucket', name: 'b0', field: 'regionalDomainName' } }] });
    assert.equal(rf0.resolvable, true, 'b0 has an object: its value may be known');
    b0.live = false;
    b0.deletion = { at: Date.now(), policy: 'Delete', finalized: true, annotated: false };
    assert.equal(p.refs.held(b0), true);
    b0.deletion = { ...b0.deletion, annotated: true };
    assert.equal(p.refs.held(b0), false, 'annotated');
    b0.deletion = { ...b0.deletion, annotated: false, policy: 'Retain' };
    assert.equal(p.refs.held(b0), false, 'Retain');
    b0.deletion = { ...b0.deletion, policy: 'Delete' };
    p.refs.sending(rf0, false);
    assert.equal(p.refs.held(b0), false, 'the dependant is changing what it reads');
  });
});
