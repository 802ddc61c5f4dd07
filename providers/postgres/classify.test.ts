import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyPgError } from './classify.ts';

const pgError = (code: string, message = `failure ${code}`) => Object.assign(new Error(message), { code });

describe('classifyPgError', () => {
  const table: { reason: string; err: unknown; kind: string; code: string }[] = [
    { reason: 'a wrong admin password', err: pgError('28P01'), kind: 'Terminal', code: 'InvalidCredentials' },
    { reason: 'a missing privilege', err: pgError('42501'), kind: 'Terminal', code: 'AccessDenied' },
    { reason: 'the admin database missing', err: pgError('3D000'), kind: 'Terminal', code: 'ProviderConfigInvalid' },
    { reason: 'sessions on a database being dropped', err: pgError('55006'), kind: 'Retryable', code: 'DatabaseInUse' },
    { reason: 'a role created meanwhile', err: pgError('42710'), kind: 'Conflict', code: 'Conflict' },
    { reason: 'too many connections', err: pgError('53300'), kind: 'Retryable', code: 'ProviderUnavailable' },
    { reason: 'the server shutting down', err: pgError('57P01'), kind: 'Retryable', code: 'ProviderUnavailable' },
    { reason: 'a refused connection', err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), kind: 'Retryable', code: 'ProviderUnavailable' },
    { reason: "pg's connect timeout", err: new Error('timeout exceeded when trying to connect'), kind: 'Retryable', code: 'ProviderUnavailable' },
    { reason: "pg's client connect timeout (a server that accepts and never answers)", err: new Error('timeout expired'), kind: 'Retryable', code: 'ProviderUnavailable' },
    { reason: "the pool's connect timeout", err: new Error('Connection terminated due to connection timeout'), kind: 'Retryable', code: 'ProviderUnavailable' },
    { reason: "pg's client-side query timeout", err: new Error('Query read timeout'), kind: 'Retryable', code: 'ProviderUnavailable' },
    { reason: 'the server-side statement timeout', err: pgError('57014'), kind: 'Retryable', code: 'ProviderUnavailable' },
    { reason: 'the lock timeout (a session holds a lock we need)', err: pgError('55P03'), kind: 'Retryable', code: 'ProviderUnavailable' },
    { reason: 'an extension the server lacks', err: pgError('58P01'), kind: 'Terminal', code: 'InvalidRequest' },
    { reason: 'anything else', err: new Error('???'), kind: 'Retryable', code: 'ProviderError' },
  ];
  for (const c of table) {
    it(c.reason, () => {
      const typed = classifyPgError(c.err, 'op');
      assert.equal(typed.kind, c.kind);
      assert.equal(typed.reason, c.code);
    });
  }

  it('a statement holding a password keeps the server message and the cause out', () => {
    const typed = classifyPgError(pgError('42601', "syntax error at or near \"s3cr3t'\""), 'ALTER ROLE app', true);
    assert.doesNotMatch(typed.message, /s3cr3t/);
    assert.equal(typed.cause, undefined);
    assert.match(typed.message, /ALTER ROLE app failed \(SQLSTATE 42601\)/);
  });
});
