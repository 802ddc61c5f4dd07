// The kit's adapter on a backend written only against its port (memory.ts): names refused before
// any request, a write reported queued, then written once the backend took it, a refused one
// thrown, and the known listing's rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExternalClient, ManagedResource, Observation } from '../contract.ts';
import { TerminalError } from '../errors.ts';
import type { DNSRecordAtProvider, DNSRecordSpec } from '../index.ts';
import { ProviderReason } from '../reasons.ts';
import { parseSpec } from '../specs.ts';
import { DELETE_REQUEUE_MS, knownAnswers } from './kit.ts';
import { MemoryDns, memoryConnector } from './memory.ts';
import { ZONE_DEFAULTS } from './zones.ts';

const resource = (name: string, values = ['192.0.2.1'], type = 'A'): ManagedResource<DNSRecordSpec> => ({
  kind: 'DNSRecord', namespace: 'team-a', name: 'web', uid: 'u1', generation: 1, externalName: name, ownershipMark: 'mooring/team-a/web',
  spec: { ...parseSpec('DNSRecord', { providerConfigRef: { name: 'm' }, zone: { name: 'example.test' }, name: 'www', type, values }), name },
});

async function setup() {
  const server = new MemoryDns();
  server.addZone('example.test');
  let clock = 1_000_000;
  const client = await memoryConnector(server, { now: () => clock }).connect({ name: 'm', type: 'memory', region: '', settings: {}, secretData: { token: server.token } });
  return { server, client, advance: (ms: number) => (clock += ms) };
}

/** Observes until nothing is pending, as the reconciler's polls would. */
async function settled(client: ExternalClient<DNSRecordSpec, DNSRecordAtProvider>, r: ManagedResource<DNSRecordSpec>): Promise<Observation<DNSRecordAtProvider>> {
  for (;;) {
    const o = await client.observe(r);
    if (!o.pending) return o;
    await new Promise((go) => setTimeout(go, 5));
  }
}

describe('the DNS kit adapter', () => {
  it('refuses a name in the ownership namespace on every call, Terminal ReservedName, before any request', async () => {
    const { server, client } = await setup();
    const r = resource('_mooring-a.www');
    const observation = { exists: true, upToDate: false, ownershipMark: r.ownershipMark };
    for (const call of [() => client.observe(r), () => client.create(r), () => client.update(r, observation), () => client.delete(r, observation)]) {
      await assert.rejects(call(), (err: unknown) => err instanceof TerminalError && err.reason === ProviderReason.ReservedName);
    }
    assert.deepEqual(server.requests, []);
  });

  it('reports a write queued, then written once the backend took it; one found unneeded is never written', async () => {
    const { server, client } = await setup();
    const r = resource('www');
    assert.deepEqual(await client.create(r), { queued: true });
    const queued = await client.observe(r);
    assert.equal(queued.pending?.reason, 'Waiting');
    assert.match(queued.pending?.message ?? '', /sent to memory DNS \(changes to zone example\.test\. go together in one batch\)/);
    assert.equal(queued.written, undefined, 'not written while queued');
    await queued.pending?.until;
    assert.ok(server.zones.get('example.test.')?.has('www.example.test.|A|'), 'the pending observe tells when to look again: once the batch went');
    const done = await settled(client, r);
    assert.deepEqual([done.exists, done.upToDate, done.ownershipMark, done.written], [true, true, 'mooring/team-a/web', true]);
    assert.ok(server.zones.get('example.test.')?.has('www.example.test.|A|'), 'the backend shows it');
    await client.update(r, done);
    assert.equal((await settled(client, r)).written, undefined, 'already as wanted: nothing sent, nothing claimed');
  });

  it('throws a refused change once, with its typed error', async () => {
    const { client } = await setup();
    await settled(client, resource('www'));
    await client.create(resource('www'));
    await settled(client, resource('www'));
    const cname = resource('www', ['target.example.net'], 'CNAME');
    await client.create(cname);
    await assert.rejects(settled(client, cname), (err: unknown) => err instanceof TerminalError && err.reason === ProviderReason.CnameConflict);
    assert.equal((await client.observe(cname)).exists, false, 'reported once, then forgotten');
  });

  it('deletes the record set with its ownership record, called again after DELETE_REQUEUE_MS', async () => {
    const { server, client } = await setup();
    const r = resource('www');
    await client.create(r);
    const made = await settled(client, r);
    assert.deepEqual(await client.delete(r, made), { done: false, progress: 'deleting the record set and its ownership record', requeueAfterMs: DELETE_REQUEUE_MS });
    assert.equal((await settled(client, r)).exists, false);
    assert.equal(server.zones.get('example.test.')?.size, 0);
  });

  it('deletes, on a backend with health checks, from the listing observe just used: no listing per delete; "not there" only from a fresh one', async () => {
    const server = new MemoryDns();
    server.addZone('example.test');
    let clock = 1_000_000;
    const healthChecks = { observe: async () => ({ diff: [], stale: [] }), ensure: async () => undefined, prune: async () => undefined };
    const connector = memoryConnector(server, { now: () => clock, observeFromKnown: true, healthChecks });
    const client = await connector.connect({ name: 'm', type: 'memory', region: '', settings: {}, secretData: { token: server.token } });
    const r = resource('www');
    await client.create(r);
    await settled(client, r);
    clock += ZONE_DEFAULTS.listingMaxAgeMs + 1;
    const lists = () => server.requests.filter((q) => q === 'list').length;
    const before = lists();
    const seen = await client.observe(r);
    assert.equal((await client.delete(r, seen)).done, false, 'the delete is queued');
    assert.equal(lists(), before, 'shown there by the known listing: no listing of its own');
    assert.equal((await settled(client, r)).exists, false);
    server.zones.get('example.test.')?.clear();
    clock += ZONE_DEFAULTS.knownMaxAgeMs + 1;
    const other = resource('api');
    await client.create(other);
    const made = await settled(client, other);
    server.zones.get('example.test.')?.clear();
    const lists0 = lists();
    clock += ZONE_DEFAULTS.knownMaxAgeMs + 1;
    assert.deepEqual(await client.delete(other, made), { done: true }, 'gone behind our back, the known listing too old to say: a fresh one says so, the checks go');
    assert.equal(lists(), lists0 + 1);
  });

  it('forgets a sent submission by its injected clock: written is reported only while it is recent', async () => {
    const { client, advance } = await setup();
    const r = resource('www');
    await client.create(r);
    assert.equal((await settled(client, r)).written, true);
    advance(ZONE_DEFAULTS.listingMaxAgeMs + 1);
    assert.equal((await client.observe(r)).written, true, 'kept while the known listing answers for our write');
    advance(ZONE_DEFAULTS.ownWriteMaxAgeMs);
    assert.equal((await client.observe(r)).written, true, 'the observe that finds it old still tells, then forgets it');
    assert.equal((await client.observe(r)).written, undefined);
  });
});

describe('knownAnswers', () => {
  const now = 100_000;
  const base = { now, sentAt: undefined, knownSince: now - 10_000, neverChanged: false, present: false };
  const cases = [
    { reason: 'our own change accepted 4 s ago: the known listing holds it', c: { sentAt: now - 4_000, knownSince: now - 60_000 }, answers: true },
    { reason: 'our own change accepted 6 s ago, gone from a 10 s old listing: a delete would end on it, so a fresh one', c: { sentAt: now - 6_000 }, answers: false },
    { reason: 'present in a 10 s old listing: what follows is guarded', c: { present: true }, answers: true },
    { reason: 'present in a 16 s old listing: too old', c: { present: true, knownSince: now - 16_000 }, answers: false },
    { reason: 'absent and never changed by us, 10 s old: a guarded CREATE follows', c: { neverChanged: true }, answers: true },
    { reason: 'absent and never changed by us, 100 s old, while the zone batch is held: the guarded CREATE joins it', c: { neverChanged: true, burst: true, knownSince: now - 100_000 }, answers: true },
    { reason: 'absent and never changed by us, 100 s old, no batch held: a fresh one (a planted record set shows within 15 s)', c: { neverChanged: true, knownSince: now - 100_000 }, answers: false },
    { reason: 'absent and never changed by us, 121 s old, batch held: too old', c: { neverChanged: true, burst: true, knownSince: now - 121_000 }, answers: false },
    { reason: 'present 100 s old while a batch is held: drift checks keep 15 s', c: { present: true, burst: true, knownSince: now - 100_000 }, answers: false },
    { reason: 'absent after a change of ours, 10 s old: not to be trusted', c: {}, answers: false },
    { reason: 'the first look at our write accepted 30 s ago, present in an old listing', c: { firstLook: true, present: true, sentAt: now - 30_000, knownSince: now - 100_000 }, answers: true },
    { reason: 'a later look at our write accepted 30 s ago (a drift check): a fresh one', c: { present: true, sentAt: now - 30_000, knownSince: now - 100_000 }, answers: false },
    { reason: 'the first look at our write accepted 61 s ago: a fresh one', c: { firstLook: true, present: true, sentAt: now - 61_000, knownSince: now - 100_000 }, answers: false },
    { reason: 'the first look at our write accepted 30 s ago, gone from the listing: a fresh one', c: { firstLook: true, sentAt: now - 30_000, knownSince: now - 100_000 }, answers: false },
    { reason: 'no known listing', c: { present: true, knownSince: undefined }, answers: false },
    { reason: 'gone after a DELETE of this process that the backend accepted, however old the listing', c: { sentAt: now - 60_000, knownSince: now - 120_000, deletedByUs: true }, answers: true },
  ];
  for (const k of cases) {
    it(`${k.answers ? 'answers' : 'does not answer'}: ${k.reason}`, () => assert.equal(knownAnswers({ ...base, ...k.c }), k.answers));
  }
});
