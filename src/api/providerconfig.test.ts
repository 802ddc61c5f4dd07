import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProviderConfigSpec, ProviderConfigSpec, type ProviderConfigSpecInput } from './providerconfig.ts';

const base: ProviderConfigSpecInput = { type: 'aws' };
const spec = (extra: Partial<ProviderConfigSpecInput>): ProviderConfigSpecInput => ({ ...base, ...extra });

describe('ProviderConfigSpec', () => {
  const good: { reason: string; input: ProviderConfigSpecInput }[] = [
    { reason: 'a type alone: the SDK default chain, default ownership id', input: base },
    {
      reason: 'what the sandbox creates (src/cli/sandbox.ts)',
      input: spec({
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:4566',
        credentials: { source: 'Secret', secretRef: { namespace: 'mooring-system', name: 'sandbox-aws' } },
        settings: { forcePathStyle: 'true' },
      }),
    },
    { reason: 'the example in deploy/examples', input: spec({ region: 'eu-west-1', credentials: { source: 'Environment' }, ownershipId: 'prod-eu-1' }) },
    {
      reason: 'web identity with a token file',
      input: spec({ credentials: { source: 'WebIdentity', webIdentity: { roleArn: 'arn:aws:iam::123456789012:role/mooring', tokenFile: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' } } }),
    },
    {
      reason: 'web identity with a token file through the projected volume\'s own ..data link',
      input: spec({ credentials: { source: 'WebIdentity', webIdentity: { roleArn: 'arn:aws:iam::123456789012:role/mooring', tokenFile: '/var/run/secrets/eks.amazonaws.com/serviceaccount/..data/token' } } }),
    },
    { reason: 'a plugin provider type', input: { type: 'powerdns', endpoint: 'https://dns.example:8081/api' } },
    { reason: 'fractional rates', input: spec({ rateLimits: { requestsPerSecond: 0.5, maxConcurrent: 2 } }) },
  ];
  for (const { reason, input } of good) {
    it(`accepts: ${reason}`, () => {
      const result = ProviderConfigSpec.safeParse(input);
      assert.ok(result.success, JSON.stringify(result.error?.issues));
    });
  }

  it('defaults credentials to the environment, leaves the ownership id unset (the cluster\'s own) and marks Readable', () => {
    const parsed = ProviderConfigSpec.parse(base);
    assert.deepEqual(parsed.credentials, { source: 'Environment' });
    assert.equal(parsed.ownershipId, undefined, 'no shared default: the operator uses this cluster\'s id');
    assert.equal(parsed.ownershipMarks, 'Readable');
  });

  it('accepts Hashed marks, and an ownership id kept as given', () => {
    const parsed = ProviderConfigSpec.parse(spec({ ownershipId: 'prod', ownershipMarks: 'Hashed' }));
    assert.equal(parsed.ownershipId, 'prod');
    assert.equal(parsed.ownershipMarks, 'Hashed');
  });

  const bad: { reason: string; input: unknown; path: PropertyKey[] }[] = [
    { reason: 'a type is required', input: {}, path: ['type'] },
    { reason: 'types are DNS labels (plugins add more, so no enum)', input: { type: 'AWS' }, path: ['type'] },
    { reason: 'Secret needs secretRef', input: spec({ credentials: { source: 'Secret' } }), path: ['credentials', 'secretRef'] },
    { reason: 'WebIdentity needs webIdentity', input: spec({ credentials: { source: 'WebIdentity' } }), path: ['credentials', 'webIdentity'] },
    {
      reason: 'a secretRef nobody reads',
      input: spec({ credentials: { source: 'Environment', secretRef: { namespace: 'a', name: 'b' } } }),
      path: ['credentials', 'secretRef'],
    },
    { reason: 'an unknown source', input: spec({ credentials: { source: 'Vault' as 'Secret' } }), path: ['credentials', 'source'] },
    {
      reason: 'a secretRef needs a namespace (ProviderConfigs are cluster-scoped)',
      input: spec({ credentials: { source: 'Secret', secretRef: { name: 'b' } as { namespace: string; name: string } } }),
      path: ['credentials', 'secretRef', 'namespace'],
    },
    {
      reason: 'a role ARN is an IAM role ARN',
      input: spec({ credentials: { source: 'WebIdentity', webIdentity: { roleArn: 'mooring' } } }),
      path: ['credentials', 'webIdentity', 'roleArn'],
    },
    ...[
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
      '/var/run/secrets/eks.amazonaws.com/serviceaccount/../../kubernetes.io/serviceaccount/token',
      '/var/run/secrets/eks.amazonaws.com/serviceaccount/./token',
      '/var/run/secrets/eks.amazonaws.com/serviceaccount//token',
      '/var/run/secrets/eks.amazonaws.com/serviceaccount/',
      '/var/run/secrets/eks.amazonaws.com/serviceaccount',
      '/etc/passwd',
      'token',
    ].map((tokenFile) => ({
      reason: `a token file outside the projected-token directory (${tokenFile}): it would be sent to the endpoint`,
      input: spec({ credentials: { source: 'WebIdentity', webIdentity: { roleArn: 'arn:aws:iam::123456789012:role/mooring', tokenFile } } }),
      path: ['credentials', 'webIdentity', 'tokenFile'],
    })),
    { reason: 'the endpoint is a URL', input: spec({ endpoint: 'localhost:4566' }), path: ['endpoint'] },
    { reason: 'the endpoint speaks http(s)', input: spec({ endpoint: 'ftp://files.example' }), path: ['endpoint'] },
    { reason: 'a rate is positive', input: spec({ rateLimits: { requestsPerSecond: 0 } }), path: ['rateLimits', 'requestsPerSecond'] },
    { reason: 'concurrency is a whole number', input: spec({ rateLimits: { maxConcurrent: 1.5 } }), path: ['rateLimits', 'maxConcurrent'] },
    { reason: 'ownership ids are short', input: spec({ ownershipId: 'x'.repeat(33) }), path: ['ownershipId'] },
    { reason: 'ownership ids have no slash (the mark is id/namespace/name)', input: spec({ ownershipId: 'a/b' }), path: ['ownershipId'] },
    { reason: 'marks are Readable or Hashed', input: spec({ ownershipMarks: 'Secret' as never }), path: ['ownershipMarks'] },
    { reason: 'settings are strings', input: spec({ settings: { forcePathStyle: true as unknown as string } }), path: ['settings', 'forcePathStyle'] },
    { reason: 'at most 64 settings', input: spec({ settings: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }), path: ['settings'] },
  ];
  for (const { reason, input, path } of bad) {
    it(`refuses, naming ${path.join('.')}: ${reason}`, () => {
      const result = ProviderConfigSpec.safeParse(input);
      assert.equal(result.success, false, `${JSON.stringify(input)} parsed`);
      const paths = result.error.issues.map((i) => i.path);
      assert.ok(paths.some((p) => JSON.stringify(p) === JSON.stringify(path)), `issue paths ${JSON.stringify(paths)} lack ${JSON.stringify(path)}`);
    });
  }
});

describe('parseProviderConfigSpec', () => {
  it('parses a stored spec with its defaults', () => {
    const parsed = parseProviderConfigSpec({ type: 'aws', credentials: { source: 'Environment' } });
    assert.deepEqual(parsed, { spec: ProviderConfigSpec.parse({ type: 'aws', credentials: { source: 'Environment' } }) });
  });

  it('names each field at fault under spec, and takes an absent spec as empty', () => {
    const bad = parseProviderConfigSpec({ type: 'Not A Type', credentials: { source: 'Secret' } });
    assert.equal(bad.spec, undefined);
    assert.ok(bad.problems?.some((p) => p.startsWith('spec.type: ')), String(bad.problems));
    assert.ok(bad.problems?.some((p) => p.startsWith('spec.credentials.secretRef: ')), String(bad.problems));
    assert.ok(parseProviderConfigSpec(undefined).problems?.some((p) => p.startsWith('spec.type: ')));
  });
});
