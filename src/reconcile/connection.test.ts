import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalError } from '../../sdk/index.ts';
import { generateSecretValue, isGeneratedForm, ROTATE_CREDENTIALS, rotationDue, rotationRequest } from './connection.ts';
import type { ManagedObject } from './types.ts';

describe('rotation requests', () => {
  const table: { reason: string; requested?: string; answered?: string; due: boolean }[] = [
    { reason: 'no request', due: false },
    { reason: 'a first request', requested: '2026-01-01T00:00:00Z', due: true },
    { reason: 'the request already answered', requested: '2026-01-01T00:00:00Z', answered: '2026-01-01T00:00:00Z', due: false },
    { reason: 'a newer request', requested: '2026-01-02T00:00:00Z', answered: '2026-01-01T00:00:00Z', due: true },
    { reason: 'an older request (a restored manifest) does not rotate', requested: '2025-12-01T00:00:00Z', answered: '2026-01-01T00:00:00Z', due: false },
    { reason: 'the same instant in another offset', requested: '2026-01-01T01:00:00+01:00', answered: '2026-01-01T00:00:00Z', due: false },
  ];
  for (const c of table) it(c.reason, () => assert.equal(rotationDue(c.requested, c.answered), c.due));

  const object = (value?: string): ManagedObject => ({
    apiVersion: 'v', kind: 'K', spec: {},
    metadata: { name: 'a', namespace: 'ns', uid: 'u', generation: 1, ...(value === undefined ? {} : { annotations: { [ROTATE_CREDENTIALS]: value } }) },
  });

  it('reads the annotation, and refuses one that is not a timestamp', () => {
    assert.equal(rotationRequest(object()), undefined);
    assert.equal(rotationRequest(object('2026-01-01T00:00:00Z')), '2026-01-01T00:00:00Z');
    for (const bad of ['yes', '1700000000', 'tomorrow']) {
      assert.throws(() => rotationRequest(object(bad)), (err: unknown) => err instanceof TerminalError && err.reason === 'InvalidSpec');
    }
  });
});

it('generated values are 32 URL-safe characters and never repeat', () => {
  const values = new Set(Array.from({ length: 1000 }, generateSecretValue));
  assert.equal(values.size, 1000);
  for (const v of values) assert.match(v, /^[A-Za-z0-9_-]{32}$/);
});

it('the generated form: every generated value has it; names, reasons and sentences do not', () => {
  for (let i = 0; i < 1000; i++) assert.ok(isGeneratedForm(generateSecretValue()));
  for (const tenantWritten of ['team-b-orders', 'ProviderUnavailable', 'team-b-orders-production-databas', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'a password with spaces in it ok', undefined]) {
    assert.ok(!isGeneratedForm(tenantWritten), String(tenantWritten));
  }
});
