// SDK client configuration from a ProviderConnection, and the one path every AWS request takes:
// through the account limiter, with failures classified on the way out, and cut short by the
// deadline of the adapter call it is sent for.
import * as z from 'zod';
import { TerminalError, callSignal, formatIssues, type ProviderConnection, type RequestLimiter } from '../../../sdk/index.ts';
import { webIdentityCredentials, type CredentialProvider } from './credentials.ts';
import { AwsReason, awsErrorCode, awsStatus, classifyAwsError } from './classify.ts';

/** Defaults of every AWS client mooring makes; the docs point here. */
export const AWS_CLIENT_DEFAULTS = {
  /** One attempt: the reconciler owns retries (src/reconcile/retry.ts; the account limiter paces). */
  maxAttempts: 1,
  /** Giving up on a TCP/TLS connect. */
  connectionTimeoutMs: 3_000,
  /** Giving up on a whole request and its response (a DeleteObjects of 1,000 keys included). */
  requestTimeoutMs: 20_000,
} as const;

/** `ProviderConfig.spec.settings` as the AWS provider reads them. */
export const AwsSettings = z
  .object({
    /** Path-style S3 URLs (`endpoint/bucket`); default: on when an endpoint override is set. */
    forcePathStyle: z
      .enum(['true', 'false'], { message: 'must be "true" or "false"' })
      .transform((v) => v === 'true')
      .optional(),
    /**
     * Whether the endpoint keeps Route 53's change guards (a CREATE of a record set that exists and
     * a DELETE of other values are refused, a batch applies whole and in order); default: on
     * without an endpoint override (AWS), off with one (moto keeps none). See docs/dnsrecord.md.
     */
    route53ChangeGuards: z
      .enum(['true', 'false'], { message: 'must be "true" or "false"' })
      .transform((v) => v === 'true')
      .optional(),
  })
  .loose();
export type AwsSettings = z.infer<typeof AwsSettings>;

export function awsSettings(connection: ProviderConnection): AwsSettings {
  const parsed = AwsSettings.safeParse(connection.settings ?? {});
  if (parsed.success) return parsed.data;
  throw new TerminalError(AwsReason.ProviderConfigInvalid, `ProviderConfig ${connection.name}: ${formatIssues(parsed.error.issues, 'settings')}`);
}

/** The configuration every AWS SDK v3 client accepts. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | CredentialProvider;
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
}

/** Client config for any AWS service; `region` overrides the connection's (a bucket's own region). */
export function awsClientConfig(connection: ProviderConnection, region?: string): AwsClientConfig {
  const config: AwsClientConfig = {
    region: region ?? connection.region,
    maxAttempts: AWS_CLIENT_DEFAULTS.maxAttempts,
    requestHandler: {
      connectionTimeout: AWS_CLIENT_DEFAULTS.connectionTimeoutMs,
      requestTimeout: AWS_CLIENT_DEFAULTS.requestTimeoutMs,
      // Without it the SDK only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
    },
  };
  if (connection.endpoint) config.endpoint = connection.endpoint;
  // Neither: the SDK's default chain (environment, the pod's web identity, instance role).
  if (connection.credentials) {
    const { accessKeyId, secretAccessKey, sessionToken } = connection.credentials;
    config.credentials = sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  } else {
    const provider = webIdentityCredentials(connection);
    if (provider) config.credentials = provider;
  }
  return config;
}

export interface S3ClientSettings extends AwsClientConfig {
  forcePathStyle: boolean;
  followRegionRedirects: boolean;
}

/** S3 adds path-style addressing (emulators need it) and following a bucket to its region. */
export function s3ClientConfig(connection: ProviderConnection, region?: string): S3ClientSettings {
  const settings = awsSettings(connection);
  return {
    ...awsClientConfig(connection, region),
    forcePathStyle: settings.forcePathStyle ?? Boolean(connection.endpoint),
    followRegionRedirects: true,
  };
}

type HttpHandle = (request: unknown, options?: { abortSignal?: AbortSignal | undefined }) => Promise<unknown>;

/**
 * Makes every request `client` sends carry the abort signal of the adapter call it is sent for
 * (`callSignal()`: the call's deadline, the operator's stop), unless the sender passed its own
 * `abortSignal`. One place instead of every `send(command, { abortSignal })`: a client serves
 * every resource of its ProviderConfig, so the signal is looked up per request. An aborted request
 * closes its socket at once instead of waiting out `requestTimeoutMs`. Returns the client; one
 * without an SDK HTTP handler (a test's fake) is returned as it is.
 */
export function sendWithCallSignal<C extends object>(client: C): C {
  const handler = (client as { config?: { requestHandler?: { handle?: HttpHandle } } }).config?.requestHandler;
  if (typeof handler?.handle !== 'function') return client;
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options = {}) => {
    const signal = options.abortSignal ?? callSignal();
    return handle(request, signal ? { ...options, abortSignal: signal } : options);
  };
  return client;
}

/** Recovers from an expected error code (or HTTP status, as a string) with a value. */
export type Expected<F> = Readonly<Record<string, (err: unknown) => F>>;

/**
 * Sends AWS requests under the account limiter (when the connection has one), tells the limiter
 * about throttling and success, and turns failures into typed errors. Expected answers, such as
 * "no tag set", are returned as values through `expected` instead of thrown.
 */
export class AwsCaller {
  private readonly limiter: RequestLimiter | undefined;

  constructor(limiter: RequestLimiter | undefined) {
    this.limiter = limiter;
  }

  /**
   * Runs `write` once the account limiter grants a slot; the one request `write` makes passes
   * `inSlot` to `call`, which then does not queue again. A batch cut at that moment holds every
   * change that arrived while the limiter held it back (Route 53's zone batches).
   */
  reserve(write: () => Promise<void>): Promise<void> {
    return this.limiter ? this.limiter.schedule(write) : write();
  }

  /**
   * Sends one request. `how.inSlot`: `reserve` already granted its slot. `how.ahead`: a read that
   * reconciles wait on, queued ahead of writes and polls (ScheduleOptions).
   */
  async call<T, F = never>(what: string, fn: () => Promise<T>, expected?: Expected<F>, how: { inSlot?: boolean; ahead?: boolean } = {}): Promise<T | F> {
    try {
      const value = await (this.limiter && !how.inSlot ? this.limiter.schedule(fn, { ahead: how.ahead }) : fn());
      this.limiter?.succeeded();
      return value;
    } catch (err) {
      const code = awsErrorCode(err);
      const status = awsStatus(err);
      const recover = (code !== undefined ? expected?.[code] : undefined) ?? (status !== undefined ? expected?.[String(status)] : undefined);
      if (recover) {
        this.limiter?.succeeded();
        return recover(err);
      }
      const typed = classifyAwsError(err, what);
      if (typed.throttled) this.limiter?.throttled();
      throw typed;
    }
  }
}
