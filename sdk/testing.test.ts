import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExternalClient } from './contract.ts';
import { TerminalError } from './errors.ts';
import { assertNoSecretEscapes, SecretEscapes } from './testing.ts';

const SECRET = 'topsecret-value-1';

describe('SecretEscapes', () => {
  it('names each place and path where a secret escaped, never the secret', () => {
    const err = (() => {
      try {
        assertNoSecretEscapes([SECRET], {
          status: { conditions: [{ type: 'Ready', message: 'fine' }, { type: 'Degraded', message: `bad ${SECRET}` }] },
          'Event Warning/AccessDenied': `denied for ${encodeURIComponent(SECRET)}`,
          'clean place': 'nothing here',
        });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    assert.ok(err, 'fails');
    assert.match(err.message, /secret #1 in status at conditions\[1\]\.message/);
    assert.match(err.message, /secret #1 in Event Warning\/AccessDenied/);
    assert.doesNotMatch(err.message, /clean place/);
    assert.ok(!err.message.includes(SECRET));
  });

  it('watches an adapter: its errors and results count, its connectionDetails do not', async () => {
    const watch = new SecretEscapes().secret(SECRET);
    const leaky: ExternalClient<unknown> = {
      observe: async () => ({ exists: true, upToDate: true, connectionDetails: { password: SECRET } }),
      create: async () => {
        throw new TerminalError('AccessDenied', 'refused', { cause: new Error(`server said: bad password ${SECRET}`) });
      },
      update: async () => undefined,
      delete: async () => ({ done: true }),
      disconnect: async () => undefined,
    };
    const client = watch.watch(leaky, 'leaky');
    const resource = { kind: 'X', namespace: 'n', name: 'a', uid: 'u', generation: 1, spec: {}, externalName: 'a', ownershipMark: 'm' };
    await client.observe(resource);
    watch.assertNone();
    await assert.rejects(client.create(resource));
    assert.deepEqual(watch.escapes(), [{ secret: 1, where: 'leaky.create error at [1].message' }]);
  });

  it('reads log lines through its sink', () => {
    const watch = new SecretEscapes().secret(SECRET);
    const sink = watch.logSink();
    sink.write('{"msg":"ok"}');
    sink.write(`{"msg":"${Buffer.from(SECRET).toString('base64')}"}`);
    assert.deepEqual(watch.escapes(), [{ secret: 1, where: 'log line 2' }]);
  });
});
