// planOne: the guarded changes one intent needs, from a listing that may be stale; and the
// client's refusal of names in the ownership namespace, before any request.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConflictError, ProviderReason, TerminalError, parseSpec, type DNSRecordSpec, type ManagedResource } from '../../../sdk/index.ts';
import { RecordConnector, knownAnswers, planOne } from './record.ts';
import { keyOf, type RecordSet } from './state.ts';

const MARK = 'op/ns/www';
const desired: RecordSet = { name: 'www.example.test.', type: 'A', ttl: 60, values: ['192.0.2.1'] };
const ownership: RecordSet = { name: '_mooring-a.www.example.test.', type: 'TXT', ttl: 300, values: [`"${MARK}"`] };
const listing = (...sets: RecordSet[]) => new Map(sets.map((rs) => [keyOf(rs), rs]));
const intent = (action: 'upsert' | 'delete', mayTakeUnowned = false, guarded = true) => ({ action, desired, ownership, mark: MARK, mayTakeUnowned, guarded });
const unguarded = (action: 'upsert' | 'delete', mayTakeUnowned = false) => intent(action, mayTakeUnowned, false);
const old: RecordSet = { ...desired, values: ['192.0.2.9'] };
const foreign: RecordSet = { ...ownership, values: ['"other/ns/www"'] };
const cname: RecordSet = { name: 'www.example.test.', type: 'CNAME', ttl: 60, values: ['target.example.net.'] };

describe('planOne', () => {
  const cases = [
    { reason: 'a new record set: both CREATEd, refused if either exists', intent: intent('upsert'), zone: listing(), changes: [['CREATE', desired], ['CREATE', ownership]] },
    { reason: 'ours, drifted: UPSERT, with our ownership record DELETEd as read and CREATEd anew (refused if no longer ours)', intent: intent('upsert'), zone: listing(old, ownership), changes: [['UPSERT', desired], ['DELETE', ownership], ['CREATE', ownership]] },
    { reason: 'ours, as wanted: nothing', intent: intent('upsert'), zone: listing(desired, ownership), changes: [] },
    { reason: 'our ownership record alone: the record set CREATEd, the ownership guarded', intent: intent('upsert'), zone: listing(ownership), changes: [['CREATE', desired], ['DELETE', ownership], ['CREATE', ownership]] },
    { reason: 'adopting an unowned one: UPSERT, ownership CREATEd', intent: intent('upsert', true), zone: listing(old), changes: [['UPSERT', desired], ['CREATE', ownership]] },
    { reason: 'deleting ours: both DELETEd with the values read', intent: intent('delete'), zone: listing(old, ownership), changes: [['DELETE', old], ['DELETE', ownership]] },
    { reason: 'deleting what is gone: nothing', intent: intent('delete'), zone: listing(), changes: [] },
    // Without Route 53's guards (moto): UPSERTs, and the ownership record only when not as wanted.
    { reason: 'unguarded, a new record set: both UPSERTed (moto refuses a CREATE it journalled once)', intent: unguarded('upsert'), zone: listing(), changes: [['UPSERT', desired], ['UPSERT', ownership]] },
    { reason: 'unguarded, ours, drifted: the record set UPSERTed, our ownership record left as it is (never DELETE+CREATE of the same text)', intent: unguarded('upsert'), zone: listing(old, ownership), changes: [['UPSERT', desired]] },
    { reason: 'unguarded, ours, as wanted: nothing', intent: unguarded('upsert'), zone: listing(desired, ownership), changes: [] },
    { reason: 'unguarded, our ownership record alone: the record set UPSERTed', intent: unguarded('upsert'), zone: listing(ownership), changes: [['UPSERT', desired]] },
    { reason: 'unguarded, adopting: UPSERT, ownership UPSERTed', intent: unguarded('upsert', true), zone: listing(old), changes: [['UPSERT', desired], ['UPSERT', ownership]] },
    { reason: 'unguarded, deleting ours: both DELETEd with the values read', intent: unguarded('delete'), zone: listing(old, ownership), changes: [['DELETE', old], ['DELETE', ownership]] },
    { reason: 'a CNAME beside its own ownership record and other names: no clash', intent: { ...intent('upsert'), desired: cname }, zone: listing({ ...ownership, name: '_mooring-cname.www.example.test.' }, { ...old, name: 'other.example.test.' }), changes: [['CREATE', cname], ['CREATE', ownership]] },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const plan = planOne(c.intent, c.zone);
      assert.ok('changes' in plan);
      assert.deepEqual(plan.changes.map((ch) => [ch.action, ch.recordSet]), c.changes);
    });
  }

  const conflicts = [
    { reason: "another owner's mark", intent: intent('upsert', true), zone: listing(old, foreign) },
    { reason: 'an unowned record set, not adopted', intent: intent('upsert'), zone: listing(old) },
    { reason: "deleting what another owner marked", intent: intent('delete'), zone: listing(old, foreign) },
  ];
  for (const c of conflicts) {
    it(`refuses ${c.reason}: Conflict, nothing planned`, () => {
      const plan = planOne(c.intent, c.zone);
      assert.ok('error' in plan && plan.error instanceof ConflictError);
    });
    it(`refuses ${c.reason} without the guards too`, () => {
      const plan = planOne({ ...c.intent, guarded: false }, c.zone);
      assert.ok('error' in plan && plan.error instanceof ConflictError);
    });
  }

  const clashes = [
    { reason: 'a CNAME beside an A of its name', intent: { ...intent('upsert'), desired: cname }, zone: listing({ ...old, name: cname.name }), message: /a CNAME at www\.example\.test\. cannot sit beside the A record set/ },
    { reason: 'a CNAME beside a TXT of its name, adopting', intent: { ...intent('upsert', true), desired: cname }, zone: listing({ ...old, type: 'TXT', values: ['"x"'] }), message: /beside the TXT record set/ },
    { reason: 'an A beside a CNAME of its name', intent: intent('upsert'), zone: listing(cname), message: /www\.example\.test\. is a CNAME: the A record set cannot sit beside it/ },
    { reason: 'an A beside a CNAME, unguarded', intent: unguarded('upsert'), zone: listing(cname), message: /is a CNAME/ },
  ];
  for (const c of clashes) {
    it(`refuses ${c.reason}: Terminal CnameConflict, nothing planned`, () => {
      const plan = planOne(c.intent, c.zone);
      assert.ok('error' in plan && plan.error instanceof TerminalError && plan.error.reason === ProviderReason.CnameConflict, JSON.stringify(plan));
      assert.match(plan.error.message, c.message);
    });
  }

  for (const action of ['upsert', 'delete'] as const) {
    it(`${action}: a record set the listing found twice (a guardless emulator's duplicate) is neither written nor deleted`, () => {
      const plan = planOne(intent(action), listing({ ...old, duplicated: true }, ownership));
      assert.ok('error' in plan && plan.error instanceof TerminalError && plan.error.reason === ProviderReason.Conflict);
      assert.match(plan.error.message, /two record sets A www\.example\.test\./);
    });
  }
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
    { reason: 'absent after a change of ours, 10 s old: not to be trusted', c: {}, answers: false },
    { reason: 'no known listing', c: { present: true, knownSince: undefined }, answers: false },
    { reason: 'gone after a DELETE of this process that Route 53 accepted, however old the listing', c: { sentAt: now - 60_000, knownSince: now - 120_000, deletedByUs: true }, answers: true },
  ];
  for (const k of cases) {
    it(`${k.answers ? 'answers' : 'does not answer'}: ${k.reason}`, () => assert.equal(knownAnswers({ ...base, ...k.c }), k.answers));
  }
});

describe('RecordClient: names in the ownership namespace', () => {
  // A fake Route 53 that counts what reaches it and refuses all of it.
  let requests = 0;
  let server: Server;
  let endpoint: string;
  before(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(400, { 'content-type': 'text/xml' }).end('<ErrorResponse><Error><Code>InvalidInput</Code><Message>fake</Message></Error></ErrorResponse>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const client = () =>
    new RecordConnector().connect({ name: 'fake', type: 'aws', region: 'us-east-1', endpoint, credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' }, settings: {} });
  // The schema refuses these names, so the spec is made valid and then given the name, as an
  // object stored before that rule (or a plugin's own caller) would hand it over.
  const resource = (name: string): ManagedResource<DNSRecordSpec> => ({
    kind: 'DNSRecord', namespace: 'attacker', name: 'forge', uid: 'u1', generation: 1, externalName: name, ownershipMark: 'mooring/attacker/forge',
    spec: { ...parseSpec('DNSRecord', { providerConfigRef: { name: 'fake' }, zone: { name: 'example.test' }, name: 'www', type: 'TXT', values: ['mooring/attacker/takeover'] }), name },
  });
  const observation = { exists: true, upToDate: false, ownershipMark: 'mooring/attacker/forge' };

  const reserved = ['_mooring-a.www', '_MOORING-NS', '_mooring-a.www.example.test.', 'x._mooring-a.www', '_mooring-a-0123456789.w', '\\137mooring-a.www', '_wildcard.apps', '_Wildcard'];
  for (const name of reserved) {
    it(`refuses ${name} on every call, Terminal ReservedName, before any request`, async () => {
      const c = await client();
      const r = resource(name);
      const calls: [string, () => Promise<unknown>][] = [
        ['observe', () => c.observe(r)],
        ['create', () => c.create(r)],
        ['update', () => c.update(r, observation)],
        ['delete', () => c.delete(r, observation)],
      ];
      for (const [what, call] of calls) {
        await assert.rejects(call(), (err: unknown) => err instanceof TerminalError && err.reason === ProviderReason.ReservedName && err.message.includes('spec.name'), what);
      }
      assert.equal(requests, 0, 'no request reached Route 53');
    });
  }

  it('lets other names through to Route 53 (the fake counts what reaches it)', async () => {
    const c = await client();
    await assert.rejects(c.observe(resource('_dmarc.www')));
    assert.ok(requests > 0, 'the zone look-up reached the fake');
  });
});
