// The one place where an AWS SDK failure becomes a typed adapter error. Decided once, here, from the
// error's code (`name`), HTTP status, `$retryable`/`$fault` and its `cause` chain; nothing deeper in
// the adapters guesses whether a retry can help.
import { AdapterError, ConflictError, ProviderReason, RetryableError, TerminalError } from '../../../sdk/index.ts';

/** Reason codes AWS adapters put on their errors (each becomes a condition's `reason`): the SDK's. */
export const AwsReason = ProviderReason;
export type AwsReason = (typeof AwsReason)[keyof typeof AwsReason];

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  // Route 53: "wait and retry" while an earlier change to the same zone is applied.
  'PriorRequestNotComplete',
]);

const INVALID_CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'IncompleteSignature',
  'InvalidToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'AuthFailure',
  'MissingAuthenticationToken',
  // The SDK's default chain found no credentials at all.
  'CredentialsProviderError',
]);

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AllAccessDisabled', 'Forbidden']);

const CONFLICT = new Set(['OperationAborted', 'ConcurrentModification', 'ConflictException', 'ConflictingDomainExists']);
/**
 * Route 53's guards refusing a change planned on a stale view of the zone: a CREATE of a record set
 * that exists, a DELETE of one that is gone or holds other values. The zone changed since we read
 * it; observing again decides (issue 8).
 */
const STALE_CHANGE = /Tried to (?:create|delete) resource record set .* but (?:it already exists|it was not found|the values provided do not match)/;

/** Codes AWS documents as transient although their status may be 4xx. */
const TRANSIENT = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'RequestTimeTooSkewed', // the SDK corrects its clock offset from this answer; the next call works
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'IDPCommunicationError',
  'TimeoutError',
]);

/** Node and undici codes of a connection that failed or broke. */
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout']);

/** The parts of an SDK error that classification reads. */
interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $fault?: unknown;
  $retryable?: { throttling?: boolean } | undefined;
  $metadata?: { httpStatusCode?: number } | undefined;
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> } | undefined;
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? err : {};
}

/** AWS's error code: the SDK puts it in `name` (modeled errors) or `Code` (unmodeled ones). */
export function awsErrorCode(err: unknown): string | undefined {
  const e = shape(err);
  if (typeof e.Code === 'string' && e.Code) return e.Code;
  if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
  return undefined;
}

/** The HTTP status AWS answered with, if it answered at all. */
export function awsStatus(err: unknown): number | undefined {
  const e = shape(err);
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/** Retry-After in ms (seconds or an HTTP date), when the answer carried one. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const headers = shape(err).$response?.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'retry-after');
  const value = key === undefined ? undefined : headers[key]?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** True when the error, or anything in its `cause` chain, is a dropped/refused/timed-out connection. */
export function isNetworkError(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = err; typeof e === 'object' && e !== null && !seen.has(e); e = shape(e).cause) {
    seen.add(e);
    const { code, name } = shape(e);
    if (typeof code === 'string' && NETWORK.has(code)) return true;
    if (typeof name === 'string' && NETWORK_NAMES.has(name)) return true;
    // AggregateError from happy-eyeballs connects (several addresses, all refused).
    if (e instanceof AggregateError && e.errors.some((inner) => isNetworkError(inner))) return true;
  }
  return false;
}

function describe(what: string, code: string | undefined, status: number | undefined, err: unknown): string {
  const raw = shape(err).message;
  const message = typeof raw === 'string' && raw && raw !== 'UnknownError' ? raw : undefined;
  const head = [code, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(', ');
  return `${what} failed${head ? ` (${head})` : ''}${message ? `: ${message}` : ''}`;
}

/**
 * Turns any failure of an AWS call into a typed adapter error. `what` names the call for the
 * message, e.g. `S3 PutBucketVersioning on my-bucket`. Adapter errors pass through unchanged.
 */
export function classifyAwsError(err: unknown, what: string): AdapterError {
  if (err instanceof AdapterError) return err;
  const code = awsErrorCode(err);
  const status = awsStatus(err);
  const e = shape(err);
  const message = describe(what, code, status, err);
  const options = { cause: err };
  const retryAfter = retryAfterMs(err);
  const retryable = { ...options, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) };

  if ((code !== undefined && THROTTLING.has(code)) || status === 429 || e.$retryable?.throttling === true) {
    return new RetryableError(AwsReason.Throttled, `${message}; slowing down`, { ...retryable, throttled: true });
  }
  if (code !== undefined && INVALID_CREDENTIALS.has(code)) {
    return new TerminalError(AwsReason.InvalidCredentials, `${message}. Check the credentials of the ProviderConfig.`, options);
  }
  if (code !== undefined && TRANSIENT.has(code)) return new RetryableError(AwsReason.ProviderUnavailable, message, retryable);
  if ((code !== undefined && ACCESS_DENIED.has(code)) || status === 403) {
    return new TerminalError(AwsReason.AccessDenied, `${message}. The credentials lack a permission this call needs.`, options);
  }
  if (code === 'BucketAlreadyExists') {
    return new TerminalError(AwsReason.NameTaken, `${message}. Bucket names are global; choose another spec.externalName.`, options);
  }
  if (code === 'BucketNotEmpty') return new TerminalError(AwsReason.BucketNotEmpty, message, options);
  if (code === 'NoSuchHostedZone') return new TerminalError(AwsReason.ZoneNotFound, `${message}. Create the zone, or fix spec.zone.`, options);
  // Route 53 refuses a whole batch for one bad change; the batcher isolates it before this reaches a user.
  if (code === 'InvalidChangeBatch' && STALE_CHANGE.test(typeof e.message === 'string' ? e.message : '')) return new ConflictError(AwsReason.Conflict, `${message}; the zone changed since it was read`, options);
  if (code === 'InvalidChangeBatch') return new TerminalError(AwsReason.InvalidChange, message, options);
  if ((code !== undefined && CONFLICT.has(code)) || status === 409) return new ConflictError(AwsReason.Conflict, message, options);

  if ((status !== undefined && status >= 500) || e.$fault === 'server' || e.$retryable !== undefined) {
    return new RetryableError(AwsReason.ProviderUnavailable, message, retryable);
  }
  if (status === 404) return new TerminalError(AwsReason.NotFound, message, options);
  if (status !== undefined && status >= 400) return new TerminalError(AwsReason.InvalidRequest, message, options);
  if (isNetworkError(err)) return new RetryableError(AwsReason.ProviderUnavailable, message, retryable);
  // An answer we could not read (a 2xx with a broken body, a proxy's garbage) is transient.
  if (status !== undefined) return new RetryableError(AwsReason.ProviderUnavailable, message, retryable);
  return new RetryableError(AwsReason.ProviderError, message, options);
}
