import assert from 'node:assert/strict';
import { must } from '../../sdk/testing.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { ProviderReason } from '../../sdk/index.ts';
import { ALL_REASON_CODES } from './reasons.ts';

it('docs/reasons.md documents every reason code, and no code that does not exist', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'reasons.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => must(m[1]));
  const missing = ALL_REASON_CODES.filter((c) => !documented.includes(c));
  const stale = documented.filter((c) => !ALL_REASON_CODES.includes(c));
  assert.deepEqual(missing, [], `codes missing from docs/reasons.md: ${missing.join(', ')}`);
  assert.deepEqual(stale, [], `codes in docs/reasons.md that src/reconcile/reasons.ts does not have: ${stale.join(', ')}`);
});

it('offers adapters (the SDK\'s ProviderReason) only codes the runbook explains', () => {
  const undocumented = Object.values(ProviderReason).filter((code) => !ALL_REASON_CODES.includes(code));
  assert.deepEqual(undocumented, [], 'add them to src/reconcile/reasons.ts and docs/reasons.md');
});

it('docs/reasons.md gives every condition reason a meaning, what to check and how to fix it', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'reasons.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Conditions'), doc.indexOf('## Events'));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  assert.ok(rows.length > 20, 'the conditions table is there');
  const incomplete = rows.filter((row) => {
    const cells = row.slice(1, -1).split(' | ').map((c) => c.trim());
    return cells.length !== 5 || cells.slice(2).some((c) => c === '');
  });
  assert.deepEqual(incomplete, [], 'each row: | `Reason` | condition | meaning | what to check | how to fix |');
});
