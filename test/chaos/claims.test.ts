// The claim invariant's judge on fabricated histories (no stack): it must report an Event that
// claims a value the cloud never held, and must not report what it cannot tell.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { judgeClaim, MARGIN_MS, type Claim, type SlotHistory } from './claims.ts';
import { recordDiffers } from './expected.ts';

const FQDN = 'r0.chaos.test.';
const MARK = 'chaos-x/chaos-x/r0/uid-1';
const spec = (value: string) => ({ type: 'A', ttl: 60, values: [value] });
const T = Date.parse('2025-01-01T00:01:00Z');

/** The zone as the cloud shows it: the record with `value`, and its ownership record. */
const zone = (value: string): ResourceRecordSet[] => [
  { Name: FQDN, Type: 'A', TTL: 60, ResourceRecords: [{ Value: value }] },
  { Name: `_mooring-a.${FQDN}`, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: `"${MARK}"` }] },
];
const differs = (value: string) => (s: Record<string, unknown>) => recordDiffers(zone(value), FQDN, 'A', s, MARK);

/** Created at generation 1 (rv 10) with 192.0.2.1, changed at generation 2 (rv 20) to 192.0.2.2. */
const history = (): SlotHistory => ({
  specs: [
    { uid: 'uid-1', spec: spec('192.0.2.1'), resourceVersion: '10', generation: 1 },
    { uid: 'uid-1', spec: spec('192.0.2.2'), resourceVersion: '20', generation: 2 },
  ],
  meddled: [],
});
const claim = (over: Partial<Claim> = {}): Claim => ({ reason: 'DriftCorrected', kind: 'DNSRecord', name: 'r0', uid: 'uid-1', resourceVersion: '25', at: T, ...over });
const live = { uid: 'uid-1', deleting: false };

describe('the claim invariant (no Event claims a change the cloud does not show)', () => {
  it('reports a DriftCorrected whose values the cloud never held (it still shows what was put in out of band, long before)', () => {
    const h = history();
    h.meddled.push({ start: T - 10_000, end: T - 9_000 });
    const verdict = judgeClaim(claim(), h, T + 1500, differs('198.51.100.9'), live);
    assert.ok('violation' in verdict, JSON.stringify(verdict));
    assert.match(verdict.violation, /DNSRecord\/r0: Event DriftCorrected .* claims a change the cloud does not show .*"198\.51\.100\.9".*spec wants \["192\.0\.2\.2"\]/);
  });

  it("reports an Updated at generation 2 while the cloud still shows generation 1's value", () => {
    const verdict = judgeClaim(claim({ reason: 'Updated' }), history(), T + 1500, differs('192.0.2.1'), live);
    assert.ok('violation' in verdict, JSON.stringify(verdict));
  });

  it("holds when the cloud shows the Event's generation, or a later one", () => {
    assert.deepEqual(judgeClaim(claim(), history(), T + 1500, differs('192.0.2.2'), live), { holds: true });
    assert.deepEqual(judgeClaim(claim({ resourceVersion: '15' }), history(), T + 1500, differs('192.0.2.2'), live), { holds: true }, 'generation 1 replaced by 2');
    assert.deepEqual(judgeClaim(claim({ resourceVersion: '15' }), history(), T + 1500, differs('192.0.2.1'), live), { holds: true });
  });

  it('holds for a spec whose call failed (it may have landed), whatever its generation', () => {
    const h = history();
    h.specs.push({ uid: 'uid-1', spec: spec('192.0.2.3') });
    assert.deepEqual(judgeClaim(claim(), h, T + 1500, differs('192.0.2.3'), live), { holds: true });
  });

  it('does not judge what it cannot tell: a meddling from just before the Event on, the object gone or re-created, an unknown generation', () => {
    const h = history();
    h.meddled.push({ start: T - MARGIN_MS - 500, end: T - MARGIN_MS + 100 });
    assert.ok('unjudged' in judgeClaim(claim(), h, T + 1500, differs('198.51.100.9'), live));
    assert.ok('unjudged' in judgeClaim(claim(), history(), T + 1500, differs('198.51.100.9'), undefined));
    assert.ok('unjudged' in judgeClaim(claim(), history(), T + 1500, differs('198.51.100.9'), { uid: 'uid-2', deleting: false }));
    assert.ok('unjudged' in judgeClaim(claim(), history(), T + 1500, differs('198.51.100.9'), { ...live, deleting: true }));
    assert.ok('unjudged' in judgeClaim(claim({ resourceVersion: '5' }), history(), T + 1500, differs('198.51.100.9'), live));
    assert.ok('unjudged' in judgeClaim(claim({ uid: 'uid-0' }), history(), T + 1500, differs('198.51.100.9'), { uid: 'uid-0', deleting: false }));
  });

  it('reports a Created whose ownership record names another object', () => {
    const other = (s: Record<string, unknown>) => recordDiffers(zone('192.0.2.2'), FQDN, 'A', s, 'chaos-x/chaos-x/r0/uid-9');
    const verdict = judgeClaim(claim({ reason: 'Created' }), history(), T + 1500, other, live);
    assert.ok('violation' in verdict && /ownership record/.test(verdict.violation));
  });
});
