import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TerminalError, parseSpec, type DNSRecordSpec, type ManagedResource } from '../../sdk/index.ts';
import { ownershipContent } from './ownership.ts';
import { PdnsReason } from './reasons.ts';
import { RecordConnector, planOne, type Intent } from './record.ts';
import { keyOf, type RRset } from './rrset.ts';
import type { ZoneListing } from './zones.ts';

const MARK = 'mooring/team-a/web';
const record: RRset = { name: 'www.example.test.', type: 'A', ttl: 60, contents: ['192.0.2.1'] };
const owner = (mark: string): RRset => ({ name: '_mooring-a.www.example.test.', type: 'TXT', ttl: 300, contents: [ownershipContent(mark)] });
const intent = (action: Intent['action'], mayTakeUnowned = false): Intent => ({ action, desired: record, ownership: owner(MARK), mark: MARK, mayTakeUnowned });
const zone = (...sets: RRset[]): ZoneListing => new Map(sets.map((s) => [keyOf(s), s]));
const stale = { ...record, contents: ['192.0.2.9'] };

describe('planOne', () => {
  const cases: { reason: string; intent: Intent; listing: ZoneListing; changes?: string[]; error?: RegExp }[] = [
    { reason: 'a new record is written with its ownership record', intent: intent('replace'), listing: zone(), changes: ['REPLACE www.example.test./A', 'REPLACE _mooring-a.www.example.test./TXT'] },
    { reason: 'a zone already as wanted needs nothing', intent: intent('replace'), listing: zone(record, owner(MARK)), changes: [] },
    { reason: 'drift rewrites the record only', intent: intent('replace'), listing: zone(stale, owner(MARK)), changes: ['REPLACE www.example.test./A'] },
    { reason: 'another owner since the observation is a conflict', intent: intent('replace'), listing: zone(record, owner('other/ns/x')), error: /owned by other\/ns\/x/ },
    { reason: 'an unmarked record appearing since the observation is a conflict', intent: intent('replace'), listing: zone(stale), error: /without an ownership record/ },
    { reason: 'an adopted unmarked record gets our mark', intent: intent('replace', true), listing: zone(stale), changes: ['REPLACE www.example.test./A', 'REPLACE _mooring-a.www.example.test./TXT'] },
    { reason: 'delete removes the record and its ownership record together', intent: intent('delete'), listing: zone(record, owner(MARK)), changes: ['DELETE www.example.test./A', 'DELETE _mooring-a.www.example.test./TXT'] },
    { reason: 'delete of what is already gone needs nothing', intent: intent('delete'), listing: zone(), changes: [] },
    { reason: 'delete never removes what another owner marked', intent: intent('delete'), listing: zone(record, owner('other/ns/x')), error: /owned by other/ },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const plan = planOne(c.intent, c.listing);
      if (c.error) {
        assert.ok('error' in plan, 'refused');
        assert.equal((plan.error as Error & { kind?: string }).kind, 'Conflict');
        assert.match(plan.error.message, c.error);
      } else {
        assert.ok('changes' in plan, 'planned');
        assert.deepEqual(plan.changes.map((ch) => `${ch.changetype} ${ch.name}/${ch.type}`), c.changes);
      }
    });
  }
});

describe('RecordClient: names in the ownership namespace', () => {
  // A fake PowerDNS API that counts what reaches it and refuses all of it.
  let requests = 0;
  let server: Server;
  let endpoint: string;
  before(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"fake"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const client = () => new RecordConnector().connect({ name: 'fake', type: 'powerdns', region: '', endpoint, secretData: { apiKey: 'fake' }, settings: {} });
  // The schema refuses these names, so the spec is made valid and then given the name, as a
  // caller that skips mooring's validation would hand it over.
  const resource = (name: string): ManagedResource<DNSRecordSpec> => ({
    kind: 'DNSRecord', namespace: 'attacker', name: 'forge', uid: 'u1', generation: 1, externalName: name, ownershipMark: 'mooring/attacker/forge',
    spec: { ...parseSpec('DNSRecord', { providerConfigRef: { name: 'fake' }, zone: { name: 'example.test' }, name: 'www', type: 'TXT', values: ['mooring/attacker/takeover'] }), name },
  });
  const observation = { exists: true, upToDate: false, ownershipMark: 'mooring/attacker/forge' };

  const reserved = ['_mooring-a.www', '_MOORING-NS', '_mooring-a.www.example.test.', 'x._mooring-a.www', '\\095mooring-a.www', '_wildcard.apps', '_Wildcard'];
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
        await assert.rejects(call(), (err: unknown) => err instanceof TerminalError && err.reason === PdnsReason.ReservedName && err.message.includes('spec.name'), what);
      }
      assert.equal(requests, 0, 'no request reached PowerDNS');
    });
  }

  it('lets other names through to PowerDNS (the fake counts what reaches it)', async () => {
    const c = await client();
    await assert.rejects(c.observe(resource('_dmarc.www')));
    assert.ok(requests > 0, 'the zone look-up reached the fake');
  });
});
