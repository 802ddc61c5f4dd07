import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ProviderConnection } from '../../../sdk/index.ts';
import { TerminalError } from '../../../sdk/index.ts';
import { clearCredentialCache, stsEndpoint, webIdentityCredentials } from './credentials.ts';

const base: ProviderConnection = { name: 'prod', type: 'aws', region: 'eu-west-1', settings: {} };
const identity = { roleArn: 'arn:aws:iam::123456789012:role/mooring', tokenFile: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' };

/** A fake fromTokenFile: records what it was made with and counts fetches. */
function fakeMaker(expiresInMs: number, now: () => number) {
  const made: unknown[] = [];
  let fetches = 0;
  const make = (init: unknown) => {
    made.push(init);
    return () => {
      fetches++;
      return Promise.resolve({ accessKeyId: `AK${fetches}`, secretAccessKey: 's', expiration: new Date(now() + expiresInMs) });
    };
  };
  return { make: make as never, made, fetches: () => fetches };
}

describe('webIdentityCredentials', () => {
  afterEach(clearCredentialCache);

  it('is undefined without a web identity', () => {
    assert.equal(webIdentityCredentials(base), undefined);
  });

  it('assumes the role once per expiry, shared by every client of the config', async () => {
    let t = 0;
    const fake = fakeMaker(3_600_000, () => t);
    const a = webIdentityCredentials({ ...base, webIdentity: identity }, fake.make, () => t)!;
    const b = webIdentityCredentials({ ...base, webIdentity: identity }, fake.make, () => t)!;
    assert.equal(a, b, 'one provider for one role and token');
    assert.equal((await a()).accessKeyId, 'AK1');
    assert.equal((await b()).accessKeyId, 'AK1');
    t = 3_600_000 - 6 * 60_000; // more than the 5 min margin left
    assert.equal((await a()).accessKeyId, 'AK1');
    t = 3_600_000 - 4 * 60_000; // inside the margin: refresh
    assert.equal((await a()).accessKeyId, 'AK2');
    assert.equal(fake.fetches(), 2);
  });

  it('passes the role, token file, session name, region and endpoint to STS', () => {
    const fake = fakeMaker(1000, Date.now);
    webIdentityCredentials({ ...base, endpoint: 'http://127.0.0.1:5000', webIdentity: identity }, fake.make);
    assert.deepEqual(fake.made, [{
      roleArn: identity.roleArn, webIdentityTokenFile: identity.tokenFile, roleSessionName: 'mooring',
      clientConfig: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000' },
    }]);
  });

  it('fetches again after a failure instead of caching it', async () => {
    let calls = 0;
    const make = (() => () => (++calls === 1 ? Promise.reject(new Error('sts down')) : Promise.resolve({ accessKeyId: 'AK', secretAccessKey: 's' }))) as never;
    const p = webIdentityCredentials({ ...base, webIdentity: identity }, make)!;
    await assert.rejects(p(), /sts down/);
    assert.equal((await p()).accessKeyId, 'AK');
  });

  it('refuses a token file outside the projected-token directory before reading anything: Terminal TokenFileRefused', () => {
    for (const tokenFile of [
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
      '/var/run/secrets/eks.amazonaws.com/serviceaccount/../../kubernetes.io/serviceaccount/token',
      '/etc/shadow',
    ]) {
      const fake = fakeMaker(1000, Date.now);
      assert.throws(
        () => webIdentityCredentials({ ...base, webIdentity: { ...identity, tokenFile } }, fake.make),
        (err: unknown) => err instanceof TerminalError && err.reason === 'TokenFileRefused' && err.message.includes('/var/run/secrets/eks.amazonaws.com/serviceaccount/'),
        tokenFile,
      );
      assert.deepEqual(fake.made, [], 'no credential provider made, so no file read and no STS call');
    }
  });

  it('sends the token to the config\'s endpoint only on loopback; any other host gets AWS\'s own STS', () => {
    const fake = fakeMaker(1000, Date.now);
    webIdentityCredentials({ ...base, endpoint: 'https://collector.example.net', webIdentity: identity }, fake.make);
    assert.deepEqual(fake.made, [{ roleArn: identity.roleArn, webIdentityTokenFile: identity.tokenFile, roleSessionName: 'mooring', clientConfig: { region: 'eu-west-1' } }]);
    for (const loopback of ['http://127.0.0.1:5000', 'http://localhost:4566', 'http://[::1]:4566']) assert.equal(stsEndpoint(loopback), loopback);
    for (const other of ['https://127.0.0.1.example.net', 'http://10.0.0.1:4566', 'https://sts.amazonaws.com', 'not a url']) assert.equal(stsEndpoint(other), undefined, other);
  });
});
