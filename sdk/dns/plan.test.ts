// planChanges: the changes one intent needs from a listing that may be stale, guarded (Route 53)
// or not (PowerDNS, moto), and the refusals every backend shares.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, TerminalError } from '../errors.ts';
import { ProviderReason } from '../reasons.ts';
import { planChanges, type DnsIntent } from './plan.ts';
import { keyOf, type DnsRecordSet } from './records.ts';

const MARK = 'op/ns/www';
const desired: DnsRecordSet = { name: 'www.example.test.', type: 'A', ttl: 60, values: ['192.0.2.1'] };
const ownership: DnsRecordSet = { name: '_mooring-a.www.example.test.', type: 'TXT', ttl: 300, values: [`"${MARK}"`] };
const listing = (...sets: DnsRecordSet[]) => new Map(sets.map((rs) => [keyOf(rs), rs]));
const intent = (action: DnsIntent['action'], mayTakeUnowned = false): DnsIntent => ({ action, desired, ownership, mark: MARK, mayTakeUnowned });
const old: DnsRecordSet = { ...desired, values: ['192.0.2.9'] };
const foreign: DnsRecordSet = { ...ownership, values: ['"other/ns/www"'] };
const cname: DnsRecordSet = { name: 'www.example.test.', type: 'CNAME', ttl: 60, values: ['target.example.net.'] };
const guarded = { guarded: true, escapes: 'octal' as const };
const unguarded = { guarded: false, escapes: 'decimal' as const };

describe('planChanges', () => {
  const cases = [
    { reason: 'a new record set: both CREATEd, refused if either exists', rules: guarded, intent: intent('upsert'), zone: listing(), changes: [['CREATE', desired], ['CREATE', ownership]] },
    { reason: 'ours, drifted: UPSERT, with our ownership record DELETEd as read and CREATEd anew (refused if no longer ours)', rules: guarded, intent: intent('upsert'), zone: listing(old, ownership), changes: [['UPSERT', desired], ['DELETE', ownership], ['CREATE', ownership]] },
    { reason: 'ours, as wanted: nothing', rules: guarded, intent: intent('upsert'), zone: listing(desired, ownership), changes: [] },
    { reason: 'our ownership record alone: the record set CREATEd, the ownership guarded', rules: guarded, intent: intent('upsert'), zone: listing(ownership), changes: [['CREATE', desired], ['DELETE', ownership], ['CREATE', ownership]] },
    { reason: 'adopting an unowned one: UPSERT, ownership CREATEd', rules: guarded, intent: intent('upsert', true), zone: listing(old), changes: [['UPSERT', desired], ['CREATE', ownership]] },
    { reason: 'deleting ours: both DELETEd with the values read', rules: guarded, intent: intent('delete'), zone: listing(old, ownership), changes: [['DELETE', old], ['DELETE', ownership]] },
    { reason: 'deleting what is gone: nothing', rules: guarded, intent: intent('delete'), zone: listing(), changes: [] },
    { reason: 'unguarded, a new record set: both UPSERTed (moto refuses a CREATE it journalled once)', rules: unguarded, intent: intent('upsert'), zone: listing(), changes: [['UPSERT', desired], ['UPSERT', ownership]] },
    { reason: 'unguarded, ours, drifted: the record set UPSERTed, our ownership record left as it is', rules: unguarded, intent: intent('upsert'), zone: listing(old, ownership), changes: [['UPSERT', desired]] },
    { reason: 'unguarded, ours, as wanted: nothing', rules: unguarded, intent: intent('upsert'), zone: listing(desired, ownership), changes: [] },
    { reason: 'unguarded, our ownership record alone: the record set UPSERTed', rules: unguarded, intent: intent('upsert'), zone: listing(ownership), changes: [['UPSERT', desired]] },
    { reason: 'unguarded, adopting: UPSERT, ownership UPSERTed', rules: unguarded, intent: intent('upsert', true), zone: listing(old), changes: [['UPSERT', desired], ['UPSERT', ownership]] },
    { reason: 'unguarded, deleting ours: both DELETEd', rules: unguarded, intent: intent('delete'), zone: listing(old, ownership), changes: [['DELETE', old], ['DELETE', ownership]] },
    { reason: 'a CNAME beside its own ownership record and other names: no clash', rules: guarded, intent: { ...intent('upsert'), desired: cname }, zone: listing({ ...ownership, name: '_mooring-cname.www.example.test.' }, { ...old, name: 'other.example.test.' }), changes: [['CREATE', cname], ['CREATE', ownership]] },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const plan = planChanges(c.intent, c.zone, c.rules);
      assert.ok('changes' in plan, JSON.stringify(plan));
      assert.deepEqual(plan.changes.map((ch) => [ch.action, ch.recordSet]), c.changes);
    });
  }

  const conflicts = [
    { reason: "another owner's mark", intent: intent('upsert', true), zone: listing(old, foreign), message: /became owned by other\/ns\/www/ },
    { reason: 'an unowned record set, not adopted', intent: intent('upsert'), zone: listing(old), message: /appeared, without an ownership record/ },
    { reason: 'deleting what another owner marked', intent: intent('delete'), zone: listing(old, foreign), message: /became owned by/ },
  ];
  for (const c of conflicts) {
    for (const rules of [guarded, unguarded]) {
      it(`refuses ${c.reason}${rules.guarded ? '' : ', unguarded'}: Conflict, nothing planned`, () => {
        const plan = planChanges(c.intent, c.zone, rules);
        assert.ok('error' in plan && plan.error instanceof ConflictError);
        assert.match(plan.error.message, c.message);
      });
    }
  }

  const clashes = [
    { reason: 'a CNAME beside an A of its name', intent: { ...intent('upsert'), desired: cname }, zone: listing({ ...old, name: cname.name }), message: /a CNAME at www\.example\.test\. cannot sit beside the A record set/ },
    { reason: 'a CNAME beside a TXT of its name, adopting', intent: { ...intent('upsert', true), desired: cname }, zone: listing({ ...old, type: 'TXT', values: ['"x"'] }), message: /beside the TXT record set/ },
    { reason: 'an A beside a CNAME of its name', intent: intent('upsert'), zone: listing(cname), message: /www\.example\.test\. is a CNAME: the A record set cannot sit beside it/ },
  ];
  for (const c of clashes) {
    for (const rules of [guarded, unguarded]) {
      it(`refuses ${c.reason}${rules.guarded ? '' : ', unguarded'}: Terminal CnameConflict, nothing planned`, () => {
        const plan = planChanges(c.intent, c.zone, rules);
        assert.ok('error' in plan && plan.error instanceof TerminalError && plan.error.reason === ProviderReason.CnameConflict, JSON.stringify(plan));
        assert.match(plan.error.message, c.message);
      });
    }
  }

  for (const action of ['upsert', 'delete'] as const) {
    it(`${action}: a record set the listing found twice (a guardless emulator's duplicate) is neither written nor deleted`, () => {
      const plan = planChanges(intent(action), listing({ ...old, duplicated: true }, ownership), guarded);
      assert.ok('error' in plan && plan.error instanceof TerminalError && plan.error.reason === ProviderReason.Conflict);
      assert.match(plan.error.message, /two record sets A www\.example\.test\./);
    });
  }
});
