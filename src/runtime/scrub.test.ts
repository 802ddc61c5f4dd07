import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConnectionSetting, REDACTED, SecretScrubber } from './scrub.ts';

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

  it('a credentials Secret is remembered whole, whatever its keys, the password inside a URL too', () => {
    const s = new SecretScrubber();
    s.rememberAll({ accessKeyId: 'AKIAEXAMPLE123', misc: 'opaque-value-99', url: 'https://admin:hunter2hunter2@x' });
    assert.equal(s.scrub('key AKIAEXAMPLE123, misc opaque-value-99'), `key ${REDACTED}, misc ${REDACTED}`);
    assert.equal(s.scrub('via hunter2hunter2'), `via ${REDACTED}`);
  });

  it('but not the plain connection settings: the admin\'s host and user stay readable in endpoints and messages', () => {
    const s = new SecretScrubber();
    s.rememberAll({ host: '127.0.0.1', Port: '54321000', username: 'postgres', database: 'postgres', sslmode: 'verify-full', region: 'eu-west-1', password: 'hunter2hunter2' });
    const text = 'http://127.0.0.1:5432 as postgres in eu-west-1 (verify-full), password hunter2hunter2';
    assert.equal(s.scrub(text), `http://127.0.0.1:5432 as postgres in eu-west-1 (verify-full), password ${REDACTED}`);
    assert.ok(isConnectionSetting('host_name') && isConnectionSetting('DB-Name') && !isConnectionSetting('hostToken'), 'whole keys, normalised');
  });

  it('a generated value is remembered in its forms, but the password inside a generated URL is not learnt on its own', () => {
    const s = new SecretScrubber();
    // A URI built from a password a tenant wrote: learnt whole, never the tenant's part alone.
    s.rememberGenerated('team-a', 'postgresql://u:team-b-orders@h/db');
    assert.equal(s.scrub('reconciling team-b-orders'), 'reconciling team-b-orders');
    assert.equal(s.scrub('bad postgresql://u:team-b-orders@h/db'), `bad ${REDACTED}`);
    assert.ok(s.knowsGenerated('team-a', 'postgresql://u:team-b-orders@h/db'));
    assert.ok(!s.knowsGenerated('team-b', 'postgresql://u:team-b-orders@h/db'), 'per namespace');
  });

  it('flooding one namespace with generated values never evicts a credential nor another namespace\'s values', () => {
    const s = new SecretScrubber({ maxGeneratedPerScope: 50 });
    s.remember('admin-password-1');
    s.rememberGenerated('team-b', 'team-b-password');
    for (let i = 0; i < 1_000; i++) s.rememberGenerated('attacker', `flood-value-${i}`);
    assert.equal(s.scrub('admin-password-1 team-b-password'), `${REDACTED} ${REDACTED}`);
    assert.equal(s.scrub('flood-value-999'), REDACTED, 'the newest flood values are kept');
    assert.equal(s.scrub('flood-value-0'), 'flood-value-0', 'the attacker\'s oldest are forgotten: only its own');
  });

  it('a generated value seen again is young again, so the ones in use outlive the churn', () => {
    const s = new SecretScrubber({ maxGeneratedPerScope: 6 });
    s.rememberGenerated('ns', 'in-use-value-1');
    for (let i = 0; i < 10; i++) {
      s.rememberGenerated('ns', `churn-value-${i}`);
      s.rememberGenerated('ns', 'in-use-value-1');
    }
    assert.equal(s.scrub('in-use-value-1'), REDACTED);
    assert.equal(s.scrub('churn-value-0'), 'churn-value-0');
  });

  it('scrubs every string of a status, longest value first', () => {
    const s = new SecretScrubber();
    s.remember('generated-pw-123');
    s.remember('postgresql://u:generated-pw-123@h/db');
    const status = { conditions: [{ type: 'Degraded', message: 'cannot use postgresql://u:generated-pw-123@h/db' }], observedGeneration: 2 };
    assert.deepEqual(s.scrubDeep(status), { conditions: [{ type: 'Degraded', message: `cannot use ${REDACTED}` }], observedGeneration: 2 });
  });
});
