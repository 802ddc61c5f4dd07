import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketAlreadyExists, NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { ConflictError, RetryableError, TerminalError } from '../../../sdk/index.ts';
import { AwsReason, classifyAwsError, isNetworkError, retryAfterMs } from './classify.ts';

/** An SDK service error as the S3 client builds it from an answer. */
function awsError(name: string, status: number, extra: { headers?: Record<string, string>; fault?: 'client' | 'server'; throttling?: boolean; message?: string } = {}) {
  const err = new S3ServiceException({
    name,
    $fault: extra.fault ?? (status >= 500 ? 'server' : 'client'),
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 },
    message: extra.message ?? `${name} happened`,
  });
  if (extra.throttling !== undefined) err.$retryable = { throttling: extra.throttling };
  err.$response = { statusCode: status, headers: extra.headers ?? {}, body: undefined };
  return err;
}

function sysError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

interface Case {
  reason: string;
  error: unknown;
  kind: 'Retryable' | 'Terminal' | 'Conflict';
  code: string;
  throttled?: boolean;
  retryAfterMs?: number;
}

const cases: Case[] = [
  // Throttling, in all its spellings.
  { reason: 'S3 SlowDown is a 503 that means slow down', error: awsError('SlowDown', 503), kind: 'Retryable', code: AwsReason.Throttled, throttled: true },
  { reason: 'Throttling (query APIs)', error: awsError('Throttling', 400), kind: 'Retryable', code: AwsReason.Throttled, throttled: true },
  { reason: 'ThrottlingException (JSON APIs)', error: awsError('ThrottlingException', 400), kind: 'Retryable', code: AwsReason.Throttled, throttled: true },
  { reason: 'RequestLimitExceeded', error: awsError('RequestLimitExceeded', 503), kind: 'Retryable', code: AwsReason.Throttled, throttled: true },
  { reason: 'TooManyRequestsException', error: awsError('TooManyRequestsException', 429), kind: 'Retryable', code: AwsReason.Throttled, throttled: true },
  { reason: 'a bare 429', error: awsError('UnknownError', 429), kind: 'Retryable', code: AwsReason.Throttled, throttled: true },
  { reason: 'the SDK marked it throttling', error: awsError('Whatever', 400, { throttling: true }), kind: 'Retryable', code: AwsReason.Throttled, throttled: true },
  { reason: 'Route 53 PriorRequestNotComplete means wait', error: awsError('PriorRequestNotComplete', 400), kind: 'Retryable', code: AwsReason.Throttled, throttled: true },
  {
    reason: 'Retry-After in seconds is kept',
    error: awsError('SlowDown', 503, { headers: { 'Retry-After': '7' } }),
    kind: 'Retryable',
    code: AwsReason.Throttled,
    throttled: true,
    retryAfterMs: 7000,
  },
  // Transient server trouble.
  { reason: 'a 500 InternalError', error: awsError('InternalError', 500), kind: 'Retryable', code: AwsReason.ProviderUnavailable, throttled: false },
  { reason: 'a 503 that is not SlowDown', error: awsError('ServiceUnavailable', 503), kind: 'Retryable', code: AwsReason.ProviderUnavailable, throttled: false },
  { reason: 'a 502 from a proxy', error: awsError('UnknownError', 502), kind: 'Retryable', code: AwsReason.ProviderUnavailable },
  { reason: 'S3 RequestTimeout is a 400 that is transient', error: awsError('RequestTimeout', 400), kind: 'Retryable', code: AwsReason.ProviderUnavailable },
  { reason: 'clock skew is corrected by the SDK on the next call', error: awsError('RequestTimeTooSkewed', 403), kind: 'Retryable', code: AwsReason.ProviderUnavailable },
  // The network.
  { reason: 'connection refused', error: sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), kind: 'Retryable', code: AwsReason.ProviderUnavailable },
  { reason: 'connection reset, deep in the cause chain', error: new Error('socket hang up', { cause: new Error('write failed', { cause: sysError('ECONNRESET') }) }), kind: 'Retryable', code: AwsReason.ProviderUnavailable },
  { reason: "the SDK's request timeout", error: Object.assign(new Error('request timed out'), { name: 'TimeoutError' }), kind: 'Retryable', code: AwsReason.ProviderUnavailable },
  { reason: 'every address refused (AggregateError)', error: new AggregateError([sysError('ECONNREFUSED'), sysError('ECONNREFUSED')], 'all failed'), kind: 'Retryable', code: AwsReason.ProviderUnavailable },
  // Credentials and permissions.
  { reason: 'AccessDenied', error: awsError('AccessDenied', 403), kind: 'Terminal', code: AwsReason.AccessDenied },
  { reason: 'a bare 403 (HEAD has no body)', error: awsError('403', 403), kind: 'Terminal', code: AwsReason.AccessDenied },
  { reason: 'InvalidAccessKeyId', error: awsError('InvalidAccessKeyId', 403), kind: 'Terminal', code: AwsReason.InvalidCredentials },
  { reason: 'SignatureDoesNotMatch', error: awsError('SignatureDoesNotMatch', 403), kind: 'Terminal', code: AwsReason.InvalidCredentials },
  { reason: 'ExpiredToken', error: awsError('ExpiredToken', 400), kind: 'Terminal', code: AwsReason.InvalidCredentials },
  { reason: 'no credentials anywhere in the default chain', error: Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), kind: 'Terminal', code: AwsReason.InvalidCredentials },
  // Conflicts and names.
  { reason: 'OperationAborted: a conflicting operation is in progress', error: awsError('OperationAborted', 409), kind: 'Conflict', code: AwsReason.Conflict },
  { reason: 'any other 409', error: awsError('SomethingConflicting', 409), kind: 'Conflict', code: AwsReason.Conflict },
  {
    reason: "BucketAlreadyExists is a 409 but means someone else's name",
    error: new BucketAlreadyExists({ message: 'taken', $metadata: { httpStatusCode: 409 } }),
    kind: 'Terminal',
    code: AwsReason.NameTaken,
  },
  { reason: 'BucketNotEmpty is a 409 the user must act on', error: awsError('BucketNotEmpty', 409), kind: 'Terminal', code: AwsReason.BucketNotEmpty },
  // Route 53.
  { reason: 'Route 53 NoSuchHostedZone: the zone the spec names is gone', error: awsError('NoSuchHostedZone', 404), kind: 'Terminal', code: AwsReason.ZoneNotFound },
  { reason: 'Route 53 InvalidChangeBatch: the batch was refused', error: awsError('InvalidChangeBatch', 400), kind: 'Terminal', code: AwsReason.InvalidChange },
  ...[
    "[Tried to create resource record set [name='a.example.test.', type='A'] but it already exists]",
    "[Tried to delete resource record set [name='a.example.test.', type='A'] but it was not found]",
    "[Tried to delete resource record set [name='a.example.test.', type='A'] but the values provided do not match the current values]",
  ].map((message) => ({
    reason: `Route 53 InvalidChangeBatch from a guard on a stale plan is a Conflict: ${message.slice(1, 40)}…`,
    error: awsError('InvalidChangeBatch', 400, { message }),
    kind: 'Conflict' as const,
    code: AwsReason.Conflict,
  })),
  { reason: 'Route 53 Throttling is a 400', error: awsError('Throttling', 400), kind: 'Retryable', code: AwsReason.Throttled, throttled: true },
  // Everything else 4xx.
  { reason: 'a modeled 404', error: new NoSuchBucket({ message: 'gone', $metadata: { httpStatusCode: 404 } }), kind: 'Terminal', code: AwsReason.NotFound },
  { reason: 'MalformedXML', error: awsError('MalformedXML', 400), kind: 'Terminal', code: AwsReason.InvalidRequest },
  { reason: 'InvalidArgument (a bad KMS key id)', error: awsError('InvalidArgument', 400), kind: 'Terminal', code: AwsReason.InvalidRequest },
  { reason: 'IllegalLocationConstraintException', error: awsError('IllegalLocationConstraintException', 400), kind: 'Terminal', code: AwsReason.InvalidRequest },
  // Neither an answer nor the network.
  { reason: 'a programming error stays retryable but is named as such', error: new TypeError('x is undefined'), kind: 'Retryable', code: AwsReason.ProviderError },
];

describe('classifyAwsError', () => {
  for (const c of cases) {
    it(c.reason, () => {
      const typed = classifyAwsError(c.error, 'S3 Test on bucket-a');
      assert.equal(typed.kind, c.kind);
      assert.equal(typed.reason, c.code);
      if (c.throttled !== undefined) assert.equal(typed.throttled, c.throttled);
      if (c.retryAfterMs !== undefined) assert.equal(typed.retryAfterMs, c.retryAfterMs);
      assert.equal(typed.cause, c.error, 'the original error is kept as the cause');
      assert.match(typed.message, /S3 Test on bucket-a failed/);
      const klass = { Retryable: RetryableError, Terminal: TerminalError, Conflict: ConflictError }[c.kind];
      assert.ok(typed instanceof klass);
    });
  }

  it('passes adapter errors through unchanged', () => {
    const original = new TerminalError('Custom', 'already typed');
    assert.equal(classifyAwsError(original, 'x'), original);
  });

  it("names AWS's code and status in the message", () => {
    const typed = classifyAwsError(awsError('MalformedXML', 400), 'S3 PutBucketLifecycleConfiguration on b');
    assert.equal(typed.message, 'S3 PutBucketLifecycleConfiguration on b failed (MalformedXML, HTTP 400): MalformedXML happened');
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const table: { reason: string; headers: Record<string, string>; want: number | undefined }[] = [
    { reason: 'seconds', headers: { 'retry-after': '3' }, want: 3000 },
    { reason: 'fractional seconds', headers: { 'retry-after': '1.5' }, want: 1500 },
    { reason: 'an HTTP date', headers: { 'Retry-After': 'Thu, 01 Jan 2026 00:00:10 GMT' }, want: 10_000 },
    { reason: 'a date in the past means now', headers: { 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, want: 0 },
    { reason: 'garbage', headers: { 'retry-after': 'soon' }, want: undefined },
    { reason: 'absent', headers: {}, want: undefined },
  ];
  for (const c of table) it(c.reason, () => assert.equal(retryAfterMs(awsError('SlowDown', 503, { headers: c.headers }), now), c.want));
});

describe('isNetworkError', () => {
  it('does not loop on a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    assert.equal(isNetworkError(a), false);
  });
});
