import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connector, RequestLimiter } from '../../sdk/index.ts';
import { TerminalError } from '../../sdk/index.ts';
import { must } from '../../sdk/testing.ts';
import { AccountLimiter, BoundedLimiter, Limits } from '../limits/index.ts';
import { Policy } from '../api/providerconfig.ts';
import { Reason } from '../reconcile/reasons.ts';
import { REDACTED, scrubber } from '../runtime/scrub.ts';
import { ResyncBudget } from '../limits/resync.ts';
import { Resolver, type ProviderConfigView, type ProviderRegistration } from './providers.ts';

/** A connector that is only ever compared by identity. */
const connector = (label: string): Connector<unknown> => ({
  connect: () => Promise.reject(new Error(`${label}: not connected in unit tests`)),
});

const awsBucket = connector('aws Bucket');
const awsZone = connector('aws HostedZone');
const minioBucket = connector('minio Bucket');
const pgDatabase = connector('postgres Database');

const PROVIDERS: ProviderRegistration[] = [
  { type: 'aws', kinds: { Bucket: awsBucket, HostedZone: awsZone } },
  { type: 'minio', kinds: { Bucket: minioBucket } },
  { type: 'postgres', kinds: { Database: pgDatabase } },
];

const pc = (name: string, fields: Partial<ProviderConfigView> = {}): ProviderConfigView => ({ name, type: 'aws', ownershipId: 'mooring', ...fields });

const secretPc = (name: string, fields: Partial<ProviderConfigView> = {}) =>
  pc(name, { credentials: { source: 'Secret', secretRef: { namespace: 'creds', name: `${name}-keys` } }, ...fields });

function harness(configs: ProviderConfigView[], secrets: Record<string, Record<string, string>> = {}, providers = PROVIDERS, credentialsNamespaces?: string[]) {
  const byName = new Map(configs.map((c) => [c.name, c]));
  const secretReads: string[] = [];
  const limits = new Limits();
  const resolver = new Resolver(
    { get: (name) => byName.get(name) },
    {
      secret: (namespace, name) => {
        secretReads.push(`${namespace}/${name}`);
        return secrets[`${namespace}/${name}`];
      },
      credentialsNamespaces,
    },
    limits,
    providers,
  );
  return { resolver, limits, secretReads, configs: byName };
}

/** A predicate for assert.rejects: a TerminalError with this reason, whose message matches. */
const terminal = (reason: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof TerminalError, `expected a TerminalError, got ${String(err)}`);
  assert.equal(err.reason, reason);
  assert.match(err.message, message);
  return true;
};

describe('Resolver.resolve', () => {
  it('refuses a ProviderConfig that does not exist (ProviderConfigNotFound)', async () => {
    const { resolver } = harness([pc('aws')]);
    await assert.rejects(resolver.resolve('nope', 'Bucket'), terminal(Reason.ProviderConfigNotFound, /ProviderConfig nope does not exist/));
  });

  it('refuses a kind the type does not serve, naming the types that do (ProviderNotRegistered)', async () => {
    const { resolver } = harness([pc('pg', { type: 'postgres' })]);
    await assert.rejects(
      resolver.resolve('pg', 'Bucket'),
      terminal(Reason.ProviderNotRegistered, /ProviderConfig pg has type postgres.*manages Bucket \(types that do: aws, minio\)/),
    );
  });

  it('refuses a type no provider registered, and says "none" when no type serves the kind', async () => {
    const { resolver } = harness([pc('gcp', { type: 'gcp' })]);
    await assert.rejects(resolver.resolve('gcp', 'Bucket'), terminal(Reason.ProviderNotRegistered, /type gcp.*types that do: aws, minio\)/));
    await assert.rejects(resolver.resolve('gcp', 'Queue'), terminal(Reason.ProviderNotRegistered, /types that do: none\)/));
  });

  it('returns the connector the provider of the ProviderConfig\'s type registered for the kind', async () => {
    const { resolver } = harness([pc('aws'), pc('minio', { type: 'minio' })]);
    assert.equal((await resolver.resolve('aws', 'Bucket')).connector, awsBucket);
    assert.equal((await resolver.resolve('aws', 'HostedZone')).connector, awsZone);
    assert.equal((await resolver.resolve('minio', 'Bucket')).connector, minioBucket);
  });

  it('refuses a Secret source whose Secret does not exist (CredentialsNotFound), naming it', async () => {
    const { resolver, secretReads } = harness([secretPc('aws')]);
    await assert.rejects(resolver.resolve('aws', 'Bucket'), terminal(Reason.CredentialsNotFound, /Secret creds\/aws-keys of ProviderConfig aws does not exist/));
    assert.deepEqual(secretReads, ['creds/aws-keys']);
  });

  it('refuses a Secret source without a secretRef (CredentialsNotFound)', async () => {
    const { resolver, secretReads } = harness([pc('aws', { credentials: { source: 'Secret' } })]);
    await assert.rejects(resolver.resolve('aws', 'Bucket'), terminal(Reason.CredentialsNotFound, /\(none named\) of ProviderConfig aws/));
    assert.deepEqual(secretReads, [], 'no Secret is looked up without a name');
  });

  it('does not look up a Secret before it knows the kind is served', async () => {
    const { resolver, secretReads } = harness([secretPc('pg', { type: 'postgres' })]);
    await assert.rejects(resolver.resolve('pg', 'Bucket'), terminal(Reason.ProviderNotRegistered, /postgres/));
    assert.deepEqual(secretReads, []);
  });
});

describe('Resolver connection: credentials', () => {
  const keyNameCases: { names: string; data: Record<string, string> }[] = [
    { names: 'ours', data: { accessKeyId: 'AKIAOURS', secretAccessKey: 'our-secret' } },
    { names: 'the AWS CLI environment names', data: { AWS_ACCESS_KEY_ID: 'AKIAOURS', AWS_SECRET_ACCESS_KEY: 'our-secret' } },
    { names: 'the AWS CLI config file names', data: { aws_access_key_id: 'AKIAOURS', aws_secret_access_key: 'our-secret' } },
    { names: 'a mix of the two', data: { accessKeyId: 'AKIAOURS', AWS_SECRET_ACCESS_KEY: 'our-secret' } },
  ];
  for (const c of keyNameCases) {
    it(`reads static credentials from ${c.names}`, async () => {
      const { resolver } = harness([secretPc('aws')], { 'creds/aws-keys': c.data });
      const { connection } = await resolver.resolve('aws', 'Bucket');
      assert.deepEqual(connection.credentials, { accessKeyId: 'AKIAOURS', secretAccessKey: 'our-secret' });
      assert.ok(connection.credentials && !('sessionToken' in connection.credentials), 'no sessionToken key without a token');
    });
  }

  it('prefers our key names over the AWS CLI ones, and skips empty values', async () => {
    const { resolver } = harness([secretPc('aws')], {
      'creds/aws-keys': { accessKeyId: '', AWS_ACCESS_KEY_ID: 'AKIACLI', secretAccessKey: 'ours', AWS_SECRET_ACCESS_KEY: 'cli' },
    });
    const { connection } = await resolver.resolve('aws', 'Bucket');
    assert.deepEqual(connection.credentials, { accessKeyId: 'AKIACLI', secretAccessKey: 'ours' });
  });

  for (const key of ['sessionToken', 'AWS_SESSION_TOKEN', 'aws_session_token']) {
    it(`adds a session token from ${key}`, async () => {
      const { resolver } = harness([secretPc('aws')], { 'creds/aws-keys': { accessKeyId: 'ASIATEMP', secretAccessKey: 's', [key]: 'tok' } });
      const { connection } = await resolver.resolve('aws', 'Bucket');
      assert.deepEqual(connection.credentials, { accessKeyId: 'ASIATEMP', secretAccessKey: 's', sessionToken: 'tok' });
    });
  }

  it('passes the Secret\'s data through as secretData, keys and all', async () => {
    const data = { accessKeyId: 'AKIA', secretAccessKey: 's', adminUrl: 'postgres://admin:pw@db:5432/postgres' };
    const { resolver } = harness([secretPc('aws')], { 'creds/aws-keys': data });
    const { connection } = await resolver.resolve('aws', 'Bucket');
    assert.deepEqual(connection.secretData, data);
  });

  it('gives no static credentials, only secretData, for a Secret without access keys (a database URL, say)', async () => {
    const { resolver } = harness([secretPc('pg', { type: 'postgres' })], { 'creds/pg-keys': { adminUrl: 'postgres://admin:pw@db/postgres' } });
    const { connection } = await resolver.resolve('pg', 'Database');
    assert.equal(connection.credentials, undefined);
    assert.deepEqual(connection.secretData, { adminUrl: 'postgres://admin:pw@db/postgres' });
  });

  // Half a key pair is a typo in the Secret; resolving without credentials would fall back to the
  // SDK's default chain, that is to the operator's own identity, maybe in another account.
  for (const [missing, data] of [
    ['secretAccessKey', { accessKeyId: 'AKIA', secret_access_key: 'typo' }],
    ['accessKeyId', { AWS_SECRET_ACCESS_KEY: 's' }],
    ['accessKeyId (empty)', { accessKeyId: '', secretAccessKey: 's' }],
  ] as const) {
    it(`refuses a Secret with half a key pair, missing ${missing} (CredentialsNotFound)`, async () => {
      const { resolver } = harness([secretPc('aws')], { 'creds/aws-keys': { ...data } });
      await assert.rejects(
        resolver.resolve('aws', 'Bucket'),
        terminal(Reason.CredentialsNotFound, /Secret creds\/aws-keys of ProviderConfig aws has .* but no (secretAccessKey|accessKeyId)/),
      );
    });
  }

  it('never puts a credential value into an error message', async () => {
    const { resolver } = harness([secretPc('aws')], { 'creds/aws-keys': { accessKeyId: 'AKIAVISIBLE', wrong: 'hunter2' } });
    await assert.rejects(resolver.resolve('aws', 'Bucket'), (err: Error) => !err.message.includes('AKIAVISIBLE') && !err.message.includes('hunter2'));
  });

  for (const source of ['Environment', 'WebIdentity'] as const) {
    it(`gives no static credentials and reads no Secret for source ${source}`, async () => {
      const { resolver, secretReads } = harness([pc('aws', { credentials: { source } })], { 'creds/aws-keys': { accessKeyId: 'A', secretAccessKey: 'S' } });
      const { connection } = await resolver.resolve('aws', 'Bucket');
      assert.equal(connection.credentials, undefined);
      assert.equal(connection.secretData, undefined);
      assert.deepEqual(secretReads, []);
    });
  }

  it('passes the role of a WebIdentity source through, and no role for the other sources', async () => {
    const webIdentity = { roleArn: 'arn:aws:iam::123456789012:role/mooring', tokenFile: '/var/run/secrets/token' };
    const { resolver } = harness(
      [pc('irsa', { credentials: { source: 'WebIdentity', webIdentity } }), pc('env', { credentials: { source: 'Environment' } }), secretPc('keys')],
      { 'creds/keys-keys': { accessKeyId: 'A', secretAccessKey: 'S' } },
    );
    const irsa = (await resolver.resolve('irsa', 'Bucket')).connection;
    assert.deepEqual(irsa.webIdentity, webIdentity);
    assert.equal(irsa.credentials, undefined);
    assert.equal((await resolver.resolve('env', 'Bucket')).connection.webIdentity, undefined);
    assert.equal((await resolver.resolve('keys', 'Bucket')).connection.webIdentity, undefined);
  });

  it('treats unset credentials as the default chain too', async () => {
    const { resolver, secretReads } = harness([pc('aws')]);
    const { connection } = await resolver.resolve('aws', 'Bucket');
    assert.equal(connection.credentials, undefined);
    assert.deepEqual(secretReads, []);
  });

  it('reads the Secret again on every resolve, so a rotated key is used at once', async () => {
    const secrets = { 'creds/aws-keys': { accessKeyId: 'OLD', secretAccessKey: 'old' } };
    const { resolver } = harness([secretPc('aws')], secrets);
    assert.equal((await resolver.resolve('aws', 'Bucket')).connection.credentials?.accessKeyId, 'OLD');
    secrets['creds/aws-keys'] = { accessKeyId: 'NEW', secretAccessKey: 'new' };
    assert.equal((await resolver.resolve('aws', 'Bucket')).connection.credentials?.accessKeyId, 'NEW');
  });
});

describe('Resolver connection: the rest of the ProviderConfig', () => {
  it('copies name, type, region, endpoint and settings', async () => {
    const { resolver } = harness([pc('local', { region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566', settings: { forcePathStyle: 'true' } })]);
    const { connection } = await resolver.resolve('local', 'Bucket');
    assert.equal(connection.name, 'local');
    assert.equal(connection.type, 'aws');
    assert.equal(connection.region, 'eu-west-1');
    assert.equal(connection.endpoint, 'http://127.0.0.1:4566');
    assert.deepEqual(connection.settings, { forcePathStyle: 'true' });
  });

  it('defaults the region to us-east-1, the endpoint to none and the settings to {}', async () => {
    const { resolver } = harness([pc('aws')]);
    const { connection } = await resolver.resolve('aws', 'Bucket');
    assert.equal(connection.region, 'us-east-1');
    assert.equal(connection.endpoint, undefined);
    assert.deepEqual(connection.settings, {});
  });
});

describe('Resolver.ownershipId', () => {
  it('is the ProviderConfig\'s when it names one, else this cluster\'s own id', () => {
    const { resolver } = harness([pc('prod', { ownershipId: 'prod-cluster' }), pc('unset', { ownershipId: undefined })]);
    resolver.useClusterId('mooring-7c0a5e3b12d4');
    assert.equal(resolver.ownershipId('prod'), 'prod-cluster');
    assert.equal(resolver.ownershipId('unset'), 'mooring-7c0a5e3b12d4');
  });

  it('never falls back to a shared constant: no id and no cluster id is OwnershipIdUnknown', () => {
    const { resolver } = harness([pc('prod', { ownershipId: 'prod-cluster' }), pc('unset', { ownershipId: undefined })]);
    assert.equal(resolver.ownershipId('prod'), 'prod-cluster', 'an explicit id needs no cluster id');
    assert.throws(() => resolver.ownershipId('unset'), terminal(Reason.OwnershipIdUnknown, /spec\.ownershipId/));
  });

  it('marks are Readable unless the config says Hashed', () => {
    const { resolver } = harness([pc('plain'), pc('public', { ownershipMarks: 'Hashed' })]);
    assert.equal(resolver.markForm('plain'), 'Readable');
    assert.equal(resolver.markForm('public'), 'Hashed');
  });
});

describe('Resolver connection: account limiters', () => {
  const limiterOf = async (configs: ProviderConfigView[], name: string, api: string) => {
    const h = harness(configs);
    const { connection } = await h.resolver.resolve(name, 'Bucket');
    assert.ok(connection.limiter, 'every resolved connection has a limiter');
    const limiter = connection.limiter(api);
    assert.ok(limiter instanceof AccountLimiter);
    return { limiter, h, connection };
  };

  const ACCOUNT = { probed: { account: '123456789012' } };

  it('limits route53 to 4.5 requests a second by default (10% under the account limit of 5), keyed by account and API', async () => {
    const { limiter, h } = await limiterOf([pc('aws', ACCOUNT)], 'aws', 'route53');
    assert.equal(limiter.key, 'aws:123456789012:route53', 'Route 53 limits the account whatever the region');
    assert.equal(limiter.currentIntervalMs, Math.ceil(1000 / 4.5));
    assert.deepEqual(h.limits.accountLimiters(), [limiter]);
  });

  it('takes a ProviderConfig rate below the route53 default', async () => {
    const { limiter } = await limiterOf([pc('aws', { rateLimits: { requestsPerSecond: 2 } })], 'aws', 'route53');
    assert.equal(limiter.currentIntervalMs, 500);
  });

  it('never goes above the route53 default, whatever the ProviderConfig asks', async () => {
    const { limiter } = await limiterOf([pc('aws', { rateLimits: { requestsPerSecond: 50 } })], 'aws', 'route53');
    assert.equal(limiter.currentIntervalMs, Math.ceil(1000 / 4.5));
  });

  it('limits rds to 10 requests a second by default (AWS allows 12 sustained per account and Region, from every client)', async () => {
    const { limiter } = await limiterOf([pc('aws', ACCOUNT)], 'aws', 'rds');
    assert.equal(limiter.key, 'aws:123456789012@us-east-1:rds');
    assert.equal(limiter.currentIntervalMs, 100);
  });

  it('leaves s3 unlimited unless the ProviderConfig sets a rate', async () => {
    const unlimited = await limiterOf([pc('aws', ACCOUNT)], 'aws', 's3');
    assert.equal(unlimited.limiter.key, 'aws:123456789012@us-east-1:s3', 'per account and region');
    assert.equal(unlimited.limiter.currentIntervalMs, 0);
    const limited = await limiterOf([pc('aws', { rateLimits: { requestsPerSecond: 20 } })], 'aws', 's3');
    assert.equal(limited.limiter.currentIntervalMs, 50);
  });

  /** Starts three requests that hold until released; says how many ran at once before the release. */
  const concurrency = async (limiter: RequestLimiter, expected: number) => {
    let inFlight = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls = Promise.all([1, 2, 3].map(() => limiter.schedule(async () => {
      most = Math.max(most, ++inFlight);
      await gate;
      inFlight--;
    })));
    // Bottleneck starts jobs on its own timers: wait (a few ms at most) for the expected number,
    // then a little longer for any more that would break the bound.
    for (let waited = 0; most < expected && waited < 500; waited++) await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await calls;
    return most;
  };

  it('bounds requests in flight by the ProviderConfig\'s maxConcurrent, and only then', async () => {
    const h = harness([pc('aws', { rateLimits: { maxConcurrent: 1 } })]);
    const bounded = (await h.resolver.resolve('aws', 'Bucket')).connection.limiter!('s3');
    assert.equal(await concurrency(bounded, 1), 1);
    const unbounded = await limiterOf([pc('aws')], 'aws', 's3');
    assert.equal(await concurrency(unbounded.limiter, 3), 3);
  });

  it("keeps maxConcurrent the config's own: a config's hung calls hold none of another's slots on the account", async () => {
    const h = harness([pc('proxied', { ...ACCOUNT, rateLimits: { maxConcurrent: 1, requestsPerSecond: 100 } }), pc('direct', ACCOUNT)]);
    const proxied = (await h.resolver.resolve('proxied', 'Bucket')).connection.limiter!('s3');
    const direct = (await h.resolver.resolve('direct', 'Bucket')).connection.limiter!('s3') as AccountLimiter;
    assert.ok(proxied instanceof BoundedLimiter);
    assert.equal(proxied.account, direct, 'one account: one limiter, one rate');
    assert.equal(direct.currentIntervalMs, 10, "the proxied config's rate holds for the account");
    void proxied.schedule(() => new Promise<void>(() => undefined));
    assert.equal(await concurrency(direct, 3), 3, "the direct config's calls run beside the hung one");
  });

  it('gives configs on one account one limiter per API, so one budget and one throttling state', async () => {
    const h = harness([pc('aws', ACCOUNT), pc('other', { ...ACCOUNT, region: 'eu-west-1' }), pc('elsewhere', { probed: { account: '210987654321' } })]);
    const first = (await h.resolver.resolve('aws', 'Bucket')).connection;
    const second = (await h.resolver.resolve('aws', 'HostedZone')).connection;
    const other = (await h.resolver.resolve('other', 'Bucket')).connection;
    const elsewhere = (await h.resolver.resolve('elsewhere', 'Bucket')).connection;
    const a = first.limiter!('route53') as AccountLimiter;
    assert.equal(second.limiter!('route53'), a);
    assert.equal(other.limiter!('route53'), a, 'another config on the account, in another region: the same Route 53 budget');
    assert.notEqual(first.limiter!('s3'), a, 'another API has its own limiter');
    assert.notEqual(other.limiter!('s3'), first.limiter!('s3'), 'S3 is limited per region');
    assert.notEqual(elsewhere.limiter!('route53'), a, 'another account has its own');
    a.throttled();
    assert.equal((other.limiter!('route53') as AccountLimiter).currentIntervalMs, a.currentIntervalMs, 'a throttle through one config slows the other');
    assert.deepEqual(h.limits.accountLimiters().map((l) => l.key).sort(), [
      'aws:123456789012:route53', 'aws:123456789012@eu-west-1:s3', 'aws:123456789012@us-east-1:s3', 'aws:210987654321:route53',
    ]);
  });

  it('until the account is known, keys by endpoint and access key id, hashed: same credentials share, others do not', async () => {
    const keys = (id: string) => ({ accessKeyId: id, secretAccessKey: `secret-of-${id}` });
    const h = harness([secretPc('one'), secretPc('two'), secretPc('three')], {
      'creds/one-keys': keys('AKIAONE'), 'creds/two-keys': keys('AKIAONE'), 'creds/three-keys': keys('AKIATHREE'),
    });
    const limiter = async (name: string) => (await h.resolver.resolve(name, 'Bucket')).connection.limiter!('route53') as AccountLimiter;
    const [one, two, three] = [await limiter('one'), await limiter('two'), await limiter('three')];
    assert.equal(one, two, 'one access key: one account');
    assert.notEqual(one, three);
    for (const l of [one, three]) {
      assert.match(l.key, /^aws:~[0-9a-f]{16}:route53$/);
      assert.doesNotMatch(l.key, /AKIA|secret/, 'no credential in a key (a metric label)');
    }
    h.configs.set('three', secretPc('three', ACCOUNT));
    h.configs.set('one', secretPc('one', ACCOUNT));
    assert.equal((await limiter('three')).key, 'aws:123456789012:route53', 'probed: keyed by the account');
    assert.equal(await limiter('one'), await limiter('three'), 'the two keys turned out to be one account');
  });

  it('goes at the tightest rate any config on the account asks for', async () => {
    const h = harness([pc('slow', { ...ACCOUNT, rateLimits: { requestsPerSecond: 2 } }), pc('fast', { ...ACCOUNT, rateLimits: { requestsPerSecond: 50 } })]);
    const limiter = async (name: string) => (await h.resolver.resolve(name, 'Bucket')).connection.limiter!('s3') as AccountLimiter;
    assert.equal((await limiter('slow')).currentIntervalMs, 500);
    assert.equal((await limiter('fast')).currentIntervalMs, 500, 'a config asking for more cannot undo another\'s caution');
    h.configs.delete('slow');
    assert.equal((await limiter('fast')).requestsPerSecondNow, 50, 'the cautious config gone, the account goes at what is left (sped up by successes)');
  });

  it('keys other providers by the server they reach, host and port only', async () => {
    const h = harness([pc('m', { type: 'minio', endpoint: 'https://user:pa55@Minio.example:9000/base?token=x' }), pc('n', { type: 'minio', endpoint: 'https://minio.example:9000' })]);
    const m = (await h.resolver.resolve('m', 'Bucket')).connection.limiter!('s3') as AccountLimiter;
    assert.equal(m.key, 'minio:minio.example:9000:s3');
    assert.equal((await h.resolver.resolve('n', 'Bucket')).connection.limiter!('s3'), m);
  });

  it('applies a changed ProviderConfig rate to the limiter it already made', async () => {
    const h = harness([pc('aws', { rateLimits: { requestsPerSecond: 10 } })]);
    const before = (await h.resolver.resolve('aws', 'Bucket')).connection.limiter!('s3') as AccountLimiter;
    assert.equal(before.currentIntervalMs, 100);
    h.configs.set('aws', pc('aws', { rateLimits: { requestsPerSecond: 1 } }));
    const after = (await h.resolver.resolve('aws', 'Bucket')).connection.limiter!('s3') as AccountLimiter;
    assert.equal(after, before);
    assert.equal(after.currentIntervalMs, 1000);
  });
});

describe('Resolver.admit: grants and policy, before any Secret read', () => {
  const labels: Record<string, Record<string, string>> = { 'team-a': { tenant: 'a' }, 'team-b': { tenant: 'b' }, attacker: {} };
  const admitting = (config: ProviderConfigView) => {
    const h = harness([config]);
    const resolver = new Resolver({ get: (n) => h.configs.get(n) }, { secret: () => { throw new Error('admit read a Secret'); } }, h.limits, PROVIDERS, { labels: (ns) => labels[ns] });
    const bucket = { publicAccessBlock: { blockPublicAcls: true } };
    return (namespace: string, kind = 'Bucket', ...spec: unknown[]) => resolver.admit(config.name, { namespace, kind, spec: spec.length ? spec[0] : bucket });
  };
  const refused = (reason: string, message: RegExp) => (err: unknown) => terminal(reason, message)(err);

  it('a deletion (no spec) is checked for its grant only, never against the policy', () => {
    // Called directly: a default parameter would put a spec back in place of undefined.
    const { resolver } = harness([secretPc('prod', { grants: { namespaces: ['team-a'] } })]);
    for (const kind of ['Bucket', 'DNSRecord', 'Database']) assert.deepEqual(resolver.admit('prod', { namespace: 'team-a', kind, spec: undefined }), { adoption: false }, kind);
    assert.throws(() => resolver.admit('prod', { namespace: 'attacker', kind: 'Bucket', spec: undefined }), refused(Reason.NotGranted, /not granted/));
  });

  it('refuses every namespace when the config grants none (the default)', () => {
    const admit = admitting(secretPc('prod'));
    assert.throws(() => admit('team-a'), refused(Reason.NotGranted, /ProviderConfig prod is not granted to namespace team-a/));
  });

  it('admits namespaces granted by name or by labels, and no other', () => {
    const admit = admitting(pc('shared', { grants: { namespaces: ['team-b'], namespaceSelector: { matchLabels: { tenant: 'a' } } } }));
    assert.deepEqual(admit('team-a'), { adoption: false });
    assert.deepEqual(admit('team-b'), { adoption: false });
    assert.throws(() => admit('attacker'), refused(Reason.NotGranted, /attacker/));
    assert.throws(() => admit('unknown-namespace'), refused(Reason.NotGranted, /unknown-namespace/), 'a namespace whose labels are unknown matches no selector');
  });

  it('says whether adoption is allowed, from the config alone', () => {
    const admit = admitting(pc('adopting', { grants: { namespaces: ['team-a'] }, policy: { adoption: 'Allowed', dns: { apexNameServers: false }, rds: { publiclyAccessible: false }, buckets: { publicAccess: false } } }));
    assert.deepEqual(admit('team-a'), { adoption: true });
  });

  it('refuses a spec outside the config\'s policy with the policy\'s reason; a deleting pass (no spec) is checked for the grant only', () => {
    const admit = admitting(pc('strict', { grants: { namespaces: ['team-a'] } }));
    assert.throws(() => admit('team-a', 'Bucket', { publicAccessBlock: { blockPublicAcls: false } }), refused(Reason.PublicAccessNotGranted, /spec\.publicAccessBlock\.blockPublicAcls/));
    assert.deepEqual(admit('team-a', 'Bucket', undefined), { adoption: false });
    assert.deepEqual(admit('team-a', 'DNSRecord', undefined), { adoption: false });
  });

  it('refuses an account-level asset the policy does not grant, and admits the granted one', () => {
    const role = (name: string) => ({ publicAccessBlock: {}, versioning: true, replication: { role: `arn:aws:iam::123456789012:role/${name}`, rules: [] } });
    const strict = admitting(pc('strict', { grants: { namespaces: ['team-a'] } }));
    assert.throws(() => strict('team-a', 'Bucket', role('team-a-repl')), refused(Reason.RoleNotGranted, /^spec\.replication\.role: .*it grants none/));
    const granting = admitting(pc('granting', { grants: { namespaces: ['team-a'] }, policy: Policy.parse({ buckets: { replicationRoles: ['arn:aws:iam::123456789012:role/team-a-*'] } }) }));
    assert.deepEqual(granting('team-a', 'Bucket', role('team-a-repl')), { adoption: false });
    assert.throws(() => granting('team-a', 'Bucket', role('platform-admin')), refused(Reason.RoleNotGranted, /platform-admin/));
    assert.throws(() => granting('team-a', 'Database', { rds: { parameterGroupName: 'prod-tuned' } }), refused(Reason.GroupNotGranted, /spec\.rds\.parameterGroupName: the DB parameter group prod-tuned/));
  });
});

describe('Resolver: credentials Secrets', () => {
  it('refuses a secretRef outside the credentials namespaces without reading it (CredentialsNamespaceRefused)', async () => {
    const { resolver, secretReads } = harness([secretPc('tenant')], { 'creds/tenant-keys': { accessKeyId: 'AK', secretAccessKey: 'SK' } }, PROVIDERS, ['mooring-system']);
    await assert.rejects(resolver.resolve('tenant', 'Bucket'), terminal(Reason.CredentialsNamespaceRefused, /creds\/tenant-keys .*\(--credentials-namespaces: mooring-system\)/));
    assert.deepEqual(secretReads, [], 'the Secret was never read');
  });

  it('reads a secretRef in a listed namespace', async () => {
    const { resolver, secretReads } = harness([secretPc('ok')], { 'creds/ok-keys': { accessKeyId: 'AKIDLISTED1', secretAccessKey: 'SK-listed-123' } }, PROVIDERS, ['mooring-system', 'creds']);
    const { connection } = await resolver.resolve('ok', 'Bucket');
    assert.equal(connection.credentials?.accessKeyId, 'AKIDLISTED1');
    assert.deepEqual(secretReads, ['creds/ok-keys']);
  });

  it('scrubs every value of the credentials Secret, whatever its key', async () => {
    const { resolver } = harness([secretPc('odd', { type: 'minio' })], { 'creds/odd-keys': { endpointLogin: 'admin-login-7731', pdnsKey: 'k3y-under-an-odd-name' } });
    await resolver.resolve('odd', 'Bucket');
    assert.equal(scrubber.scrub('k3y-under-an-odd-name admin-login-7731'), `${REDACTED} ${REDACTED}`);
  });
});

describe('Resolver: the drift checks\' read budget', () => {
  it('counts every request of a config to the account its limiters are keyed by, and takes the config\'s own budget', async () => {
    const account = { probed: { account: '123456789012' } };
    const h = harness([pc('aws', { ...account, rateLimits: { resyncReadsPerSecond: 2 } }), pc('other', account), pc('elsewhere', { probed: { account: '210987654321' } })]);
    const budget = new ResyncBudget({ periodMs: 300_000, readsPerSecond: 5, now: () => 0 });
    h.resolver.useResyncBudget(budget);
    const { connection } = await h.resolver.resolve('aws', 'Bucket');
    const s3 = must(connection.limiter)('s3');
    for (let i = 0; i < 4; i++) await s3.schedule(async () => undefined);
    const key = 'aws:123456789012@us-east-1';
    assert.equal(h.resolver.resyncAccount('aws'), key, 'the account part of the limiter key, the API left off');
    assert.equal(h.resolver.resyncAccount('other'), key, 'two configs on one account: one budget');
    assert.equal(h.resolver.resyncAccount('elsewhere'), 'aws:210987654321@us-east-1');
    assert.equal(h.resolver.resyncAccount('missing'), undefined);
    budget.next(key, 'uid-1');
    const stats = budget.stats().find((a) => a.account === key);
    assert.equal(stats?.readsPerCheck, 4);
    assert.equal(stats?.budgetReadsPerSecond, 2);
  });
});
