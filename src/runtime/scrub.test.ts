import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, SecretScrubber } from './scrub.ts';

describe('SecretScrubber', () => {
  const PASSWORD = 'pA55/w0rd+x!';
  it('replaces a remembered value as is, URL-encoded and base64-encoded', () => {
    const s = new SecretScrubber();
    s.remember(PASSWORD);
    for (const text of [`login failed for ${PASSWORD}`, `postgresql://u:${encodeURIComponent(PASSWORD)}@h/db`, `data: ${Buffer.from(PASSWORD).toString('base64')}`]) {
      assert.ok(!s.scrub(text).includes(PASSWORD) && s.scrub(text).includes(REDACTED), s.scrub(text));
      assert.ok(!s.scrub(text).includes(encodeURIComponent(PASSWORD)));
    }
  });

  it('learns the password inside a remembered URL', () => {
    const s = new SecretScrubber();
    s.remember('postgresql://admin:adminpass99@db.internal:5432/postgres');
    assert.equal(s.scrub('password authentication failed: adminpass99'), `password authentication failed: ${REDACTED}`);
  });

  it('ignores short values: scrubbing 5432 or "test" everywhere would garble every message', () => {
    const s = new SecretScrubber();
    s.remember('5432');
    s.remember('test');
    assert.equal(s.scrub('port 5432, user test'), 'port 5432, user test');
  });

  it('from a record, remembers only secret-ish keys and URLs, not hosts or names', () => {
    const s = new SecretScrubber();
    s.rememberFields({ host: 'db.example.internal', username: 'orders_app', password: 'generated-pw-123', uri: 'postgresql://orders_app:generated-pw-123@db.example.internal/orders', url: 'https://admin:hunter2hunter2@x' });
    assert.equal(s.scrub('db.example.internal as orders_app'), 'db.example.internal as orders_app');
    assert.equal(s.scrub('pw generated-pw-123'), `pw ${REDACTED}`);
    assert.equal(s.scrub('via hunter2hunter2'), `via ${REDACTED}`);
  });

  it('scrubs every string of a status, longest value first', () => {
    const s = new SecretScrubber();
    s.remember('generated-pw-123');
    s.remember('postgresql://u:generated-pw-123@h/db');
    const status = { conditions: [{ type: 'Degraded', message: 'cannot use postgresql://u:generated-pw-123@h/db' }], observedGeneration: 2 };
    assert.deepEqual(s.scrubDeep(status), { conditions: [{ type: 'Degraded', message: `cannot use ${REDACTED}` }], observedGeneration: 2 });
  });
});
