import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { PdnsReason } from './reasons.ts';

// Users read one runbook for every provider: each code this provider reports must be in it.
it("every reason code is one of mooring's documented codes (docs/reasons.md)", () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'reasons.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]!));
  assert.deepEqual(Object.values(PdnsReason).filter((c) => !documented.has(c)), []);
});
