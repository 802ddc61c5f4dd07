import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryableError, TerminalError } from '../../sdk/index.ts';
import { classify } from './errors.ts';
import { Reason } from './reasons.ts';

/** What client-node throws for an apiserver error answer. */
const apiException = (code: number, body: unknown) => Object.assign(new Error(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!`), { code, body: JSON.stringify(body) });

describe('classify', () => {
  it('keeps an adapter error\'s reason and kind', () => {
    assert.deepEqual(classify(new TerminalError(Reason.NameTaken, 'taken')), { outcome: 'terminal', reason: Reason.NameTaken, message: 'taken' });
    assert.deepEqual(classify(new RetryableError(Reason.ProviderUnavailable, 'down', { retryAfterMs: 3000 })), { outcome: 'retryable', reason: Reason.ProviderUnavailable, message: 'down', retryAfterMs: 3000 });
    assert.deepEqual(classify(new RetryableError('Throttling', 'slow down', { throttled: true, retryAfterMs: 7000 })), { outcome: 'throttled', reason: Reason.Throttled, message: 'slow down', retryAfterMs: 7000 });
  });

  it('turns an apiserver 403 into KubeForbidden, quoting the apiserver and saying what to run', () => {
    const said = 'secrets "app-connection" is forbidden: User "system:serviceaccount:mooring:mooring" cannot create resource "secrets" in API group "" in the namespace "team-a"';
    const c = classify(apiException(403, { kind: 'Status', status: 'Failure', message: said, reason: 'Forbidden', code: 403 }));
    assert.equal(c.reason, Reason.KubeForbidden);
    assert.equal(c.outcome, 'retryable');
    assert.ok(c.message.startsWith(said), c.message);
    assert.match(c.message, /mooring doctor --service-account/);
  });

  it('says 401 plainly when the body is no Status', () => {
    const c = classify(Object.assign(new Error('HTTP-Code: 401'), { code: 401, body: 'Unauthorized' }));
    assert.equal(c.reason, Reason.KubeForbidden);
    assert.match(c.message, /does not accept the operator's credentials/);
  });

  it('an apiserver that cannot be reached, or says it cannot serve now, is KubeUnavailable with backoff', () => {
    // src/kube's KubeUnreachableError, by the name classify reads (src/kube/client.test.ts classifies the real one).
    const unreachable = classify(Object.assign(new Error('PATCH /apis/mooring.dev/v1alpha1/namespaces/a/buckets/b: connect ECONNREFUSED 127.0.0.1:6443'), { name: 'KubeUnreachableError' }));
    assert.equal(unreachable.reason, Reason.KubeUnavailable);
    assert.equal(unreachable.outcome, 'retryable');
    assert.match(unreachable.message, /could not serve the operator's call: .*ECONNREFUSED/);
    const busy = classify(apiException(429, { kind: 'Status', message: 'too many requests, please try again later', code: 429 }));
    assert.deepEqual([busy.reason, busy.outcome], [Reason.KubeUnavailable, 'throttled']);
    assert.match(busy.message, /too many requests/);
    assert.equal(classify(apiException(503, {})).reason, Reason.KubeUnavailable);
  });

  it('retries a 409 soon and anything else with backoff as ReconcileError', () => {
    assert.equal(classify(apiException(409, {})).outcome, 'conflict');
    assert.deepEqual(classify(new Error('boom')), { outcome: 'retryable', reason: Reason.ReconcileError, message: 'boom' });
  });
});
