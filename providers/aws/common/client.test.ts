import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer } from 'node:http';
import { ListBucketsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { TerminalError, type ProviderConnection, type RequestLimiter } from '../../../sdk/index.ts';
import { AwsReason } from './classify.ts';
import { AWS_CLIENT_DEFAULTS, AwsCaller, awsClientConfig, s3ClientConfig } from './client.ts';

const base: ProviderConnection = { name: 'pc', type: 'aws', region: 'eu-west-1', settings: {} };

describe('client config', () => {
  const table: { reason: string; connection: ProviderConnection; region?: string; check: (c: ReturnType<typeof s3ClientConfig>) => void }[] = [
    {
      reason: 'the real cloud: default credential chain, virtual-hosted style, one attempt, short timeouts',
      connection: base,
      check: (c) => {
        assert.equal(c.region, 'eu-west-1');
        assert.equal(c.endpoint, undefined);
        assert.equal(c.credentials, undefined);
        assert.equal(c.forcePathStyle, false);
        assert.equal(c.maxAttempts, 1);
        assert.equal(c.requestHandler.connectionTimeout, AWS_CLIENT_DEFAULTS.connectionTimeoutMs);
        assert.equal(c.requestHandler.requestTimeout, AWS_CLIENT_DEFAULTS.requestTimeoutMs);
        assert.equal(c.requestHandler.throwOnRequestTimeout, true);
      },
    },
    {
      reason: 'an endpoint override turns path-style on',
      connection: { ...base, endpoint: 'http://127.0.0.1:4566' },
      check: (c) => {
        assert.equal(c.endpoint, 'http://127.0.0.1:4566');
        assert.equal(c.forcePathStyle, true);
      },
    },
    {
      reason: 'settings.forcePathStyle wins over the endpoint rule',
      connection: { ...base, endpoint: 'http://127.0.0.1:4566', settings: { forcePathStyle: 'false' } },
      check: (c) => assert.equal(c.forcePathStyle, false),
    },
    {
      reason: 'settings.forcePathStyle without an endpoint',
      connection: { ...base, settings: { forcePathStyle: 'true' } },
      check: (c) => assert.equal(c.forcePathStyle, true),
    },
    {
      reason: 'static credentials, with a session token only when given',
      connection: { ...base, credentials: { accessKeyId: 'AKIA1', secretAccessKey: 's3cr3t' } },
      check: (c) => assert.deepEqual(c.credentials, { accessKeyId: 'AKIA1', secretAccessKey: 's3cr3t' }),
    },
    {
      reason: 'a session token is passed on',
      connection: { ...base, credentials: { accessKeyId: 'AKIA1', secretAccessKey: 's3cr3t', sessionToken: 'tok' } },
      check: (c) => assert.deepEqual(c.credentials, { accessKeyId: 'AKIA1', secretAccessKey: 's3cr3t', sessionToken: 'tok' }),
    },
    {
      reason: 'a web identity becomes a credential provider, not static keys',
      connection: { ...base, webIdentity: { roleArn: 'arn:aws:iam::123456789012:role/mooring', tokenFile: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' } },
      check: (c) => assert.equal(typeof c.credentials, 'function'),
    },
    {
      reason: "a bucket's own region overrides the connection's",
      connection: base,
      region: 'ap-south-1',
      check: (c) => assert.equal(c.region, 'ap-south-1'),
    },
  ];
  for (const c of table) it(c.reason, () => c.check(s3ClientConfig(c.connection, c.region)));

  it('general AWS config has no S3-only fields', () => {
    assert.equal('forcePathStyle' in awsClientConfig(base), false);
  });

  it('a setting of the wrong type is a Terminal ProviderConfigInvalid naming the field', () => {
    assert.throws(
      () => s3ClientConfig({ ...base, settings: { forcePathStyle: 'yes' } }),
      (err: unknown) => err instanceof TerminalError && err.reason === AwsReason.ProviderConfigInvalid && /settings\.forcePathStyle/.test(err.message),
    );
  });
});

class FakeLimiter implements RequestLimiter {
  scheduled = 0;
  throttles = 0;
  successes = 0;
  schedule<T>(fn: () => Promise<T>): Promise<T> {
    this.scheduled++;
    return fn();
  }
  throttled(): void {
    this.throttles++;
  }
  succeeded(): void {
    this.successes++;
  }
}

function s3Error(name: string, status: number) {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

describe('AwsCaller', () => {
  it('sends through the account limiter and reports success', async () => {
    const limiter = new FakeLimiter();
    assert.equal(await new AwsCaller(limiter).call('op', async () => 42), 42);
    assert.deepEqual([limiter.scheduled, limiter.successes, limiter.throttles], [1, 1, 0]);
  });

  it('tells the limiter about throttling and throws a typed error', async () => {
    const limiter = new FakeLimiter();
    await assert.rejects(
      new AwsCaller(limiter).call('S3 Op on b', () => Promise.reject(s3Error('SlowDown', 503))),
      (err: unknown) => err instanceof Error && 'reason' in err && err.reason === AwsReason.Throttled,
    );
    assert.equal(limiter.throttles, 1);
  });

  it('turns an expected code into a value', async () => {
    const limiter = new FakeLimiter();
    const value = await new AwsCaller(limiter).call('op', () => Promise.reject(s3Error('NoSuchTagSet', 404)), { NoSuchTagSet: () => 'none' as const });
    assert.equal(value, 'none');
    assert.equal(limiter.successes, 1);
  });

  it('matches an expected HTTP status when there is no code', async () => {
    const value = await new AwsCaller(undefined).call('op', () => Promise.reject(s3Error('UnknownError', 404)), { '404': () => 'absent' });
    assert.equal(value, 'absent');
  });

  it('does not swallow unexpected codes', async () => {
    await assert.rejects(
      new AwsCaller(undefined).call('op', () => Promise.reject(s3Error('AccessDenied', 403)), { NoSuchTagSet: () => null }),
      (err: unknown) => err instanceof TerminalError && err.reason === AwsReason.AccessDenied,
    );
  });
});

describe('redirects on the AWS SDK path', () => {
  it('are never followed: the server a 3xx points to never sees the signed request', async () => {
    const seen: string[] = [];
    const target = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end('<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const redirector = createServer((req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${(target.address() as { port: number }).port}${req.url ?? '/'}` });
      res.end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(redirector.address() as { port: number }).port}`;
    const s3 = new S3Client(s3ClientConfig({ ...base, endpoint, credentials: { accessKeyId: 'AKIDREDIRECT', secretAccessKey: 'never-leaves-0000' } }));
    try {
      await assert.rejects(s3.send(new ListBucketsCommand({})));
      assert.deepEqual(seen, [], 'the SDK\'s HTTP handler does not follow the Location');
    } finally {
      s3.destroy();
      redirector.close();
      target.close();
    }
  });
});
