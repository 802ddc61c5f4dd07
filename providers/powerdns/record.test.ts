import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownershipContent } from './ownership.ts';
import { planOne, type Intent } from './record.ts';
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
