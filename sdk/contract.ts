// The adapter contract: what a provider implements for one kind. The generic reconciler owns
// finalizers, conditions, events, backoff, rate limits and ownership decisions; an adapter owns
// only the conversation with its backend. The rules on ExternalClient below are the contract:
// read them before writing an adapter; the conformance kit checks each one.

/** A field whose live value differs from the spec, for status, events and plans. */
export interface FieldDiff {
  /** Dotted path in the spec, e.g. `versioning` or `tags.team`. */
  path: string;
  observed: unknown;
  desired: unknown;
}

/** The view of a managed resource an adapter receives: the parsed spec and who we are. */
export interface ManagedResource<Spec> {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  /** The spec after validation and defaults. */
  spec: Spec;
  /** The name of the thing in the cloud (a bucket name, a record name, a database name). */
  externalName: string;
  /**
   * The mark that says the thing is ours: `<ownership id>/<namespace>/<name>`. Write it on
   * everything you create (a tag, an ownership record, a comment).
   */
  ownershipMark: string;
  /**
   * The values of the resource's connection Secret as they stand, for kinds whose credentials the
   * reconciler generates (a database password). The reconciler writes a generated value into the
   * Secret before it calls `create` or `setCredentials`, so a crash can never lose a password that
   * is already set in the cloud: set exactly the value found here, never one of your own.
   * Undefined for kinds without a connection Secret, and on the delete path.
   */
  connectionSecret?: Record<string, string> | undefined;
  /**
   * `status.atProvider` as the last pass recorded it, or undefined. For adapters that follow a
   * long-running operation across passes (a Route 53 change id to poll) and must pick it up again
   * after an operator restart. Informational: the cloud, not this, is the truth.
   */
  recorded?: Record<string, unknown> | undefined;
  /**
   * Aborted when this call's deadline passes (the operator's `--call-timeout`, `--delete-timeout`
   * for delete) or the operator stops; set by the reconciler for each call (SDK 1.3). Pass it to
   * every request the call makes (fetch's `signal`, the AWS SDK's `abortSignal`) and stop paging
   * once it is aborted. The reconciler does not wait past the deadline either way: it reports the
   * call as timed out (retryable) and frees the worker, so a call that ignores the signal only
   * keeps its socket. `callSignal()` returns the same signal where the resource is not at hand.
   */
  signal?: AbortSignal | undefined;
}

/** What observe found. Small struct, not booleans, so it can grow without breaking adapters. */
export interface Observation<AtProvider = Record<string, unknown>> {
  /** The external thing exists. */
  exists: boolean;
  /** It matches the spec; when false, `diff` says how. Ignored when `exists` is false. */
  upToDate: boolean;
  /**
   * The ownership mark found on the external thing, or undefined when it carries none. The
   * reconciler compares it with ours: it never lets create/update/delete run against a thing
   * marked by someone else, nor against an unmarked thing the resource does not adopt.
   */
  ownershipMark?: string | undefined;
  /** Identifiers and live facts shown in `status.atProvider` (ARN, endpoint, zone id). */
  atProvider?: AtProvider;
  /** Values for the connection Secret. Never logged, never put in status. */
  connectionDetails?: Record<string, string>;
  /** Field-level differences, when not up to date. */
  diff?: FieldDiff[];
  /**
   * Set while the thing is not ready for our next step: a change this adapter started is still
   * under way, or the cloud is still working on the thing. The reconciler then neither creates,
   * updates nor sets credentials; it reports Progressing with `pending.reason` and
   * `pending.message`, and looks again with an interval that grows with the wait (1 s up to 30 s).
   * Ownership and claims are still checked first. On the delete path, a thing that does not exist
   * yet but is pending (a create still queued) is waited for, never taken as gone; one that exists
   * is handed to `delete`, which copes with the work under way (returns not done).
   */
  pending?: Pending | undefined;
  /**
   * The write that `create` or `update` returned as queued (`WriteQueued`) was taken by the
   * backend: it accepted the batch that carried it (SDK 1.4). Reported by the observes that follow
   * while the adapter still knows of it, `pending` or not. Unset when that write was never sent
   * (refused, or found unneeded when it was planned).
   */
  written?: boolean | undefined;
}

/**
 * What `create` or `update` returns when it handed its change to something that sends it later (a
 * batch of changes to one DNS zone), so the backend has not taken it yet (SDK 1.4). The reconciler
 * then claims no write (the Created, Updated, DriftCorrected and Adopted Events) until an observe
 * reports it `written`, or shows the thing as wanted. Returning nothing still means the call made
 * its write.
 */
export interface WriteQueued {
  queued: true;
}

/** Whether a create or update result says its write was queued, not made. */
export const isQueued = (result: unknown): result is WriteQueued => typeof result === 'object' && result !== null && (result as Partial<WriteQueued>).queued === true;

/**
 * Why a thing is not ready yet. The reason becomes the Progressing condition's reason, so users
 * read it: `Waiting` when a change we made is being applied (queued for a batch to one DNS zone,
 * accepted but not yet in sync everywhere); `Provisioning` when the cloud is still working on the
 * thing itself (an RDS instance `creating`, `modifying`, `backing-up`).
 */
export interface Pending {
  reason: 'Waiting' | 'Provisioning';
  /** What is awaited, as a short sentence users read, e.g. `waiting for Route 53 change C1 to be INSYNC`, `RDS status: creating`. */
  message: string;
  /**
   * Settles (either way) once what is awaited is likely over: the batch holding a queued change was
   * sent or refused (SDK 1.9). The reconciler then looks again at once, and meanwhile only at its
   * longest poll (30 s), so a change held seconds for its batch costs no pass a second.
   */
  until?: PromiseLike<unknown> | undefined;
}

/** Result of one delete call. */
export interface DeleteResult {
  /** The thing is gone (or was never there): the finalizer may go. */
  done: boolean;
  /** When not done: a short human account of what is left, e.g. `1200 object versions left`. */
  progress?: string;
  /** When not done: how soon to call again; default at once (the next step is ready now). */
  requeueAfterMs?: number;
  /** When not done: facts for `status.atProvider` meanwhile (objects left, a final snapshot's id). */
  atProvider?: Record<string, unknown>;
}

/**
 * A client for one resource, made by a Connector.
 *
 * Rules every adapter keeps (the conformance kit, mooring/sdk/conformance, checks each one):
 * - `observe` is read-only and cheap: it never writes to the backend. It reports the ownership
 *   mark it finds (undefined when there is none). It may reuse a listing a few seconds old, so a
 *   change made behind its back shows within seconds, not necessarily at once.
 * - `create` succeeds when the thing already exists and carries our ownership mark (a crash may
 *   have happened between the backend's "created" and our record of it). It never takes a thing
 *   that carries another owner's mark: it throws (ConflictError, or TerminalError AlreadyOwned)
 *   and leaves it as it is.
 * - `update` converges the drifted fields found by the observation it is given; it writes our
 *   ownership mark too (that is how an adopted thing becomes ours).
 * - `delete` may be called again and again, and with an observation that is stale: gone means
 *   `{ done: true }`, never an error. It may stop part-way (emptying a bucket of many objects) and
 *   continue on the next call, from what the backend holds: the next call may come from a fresh
 *   client, after an operator restart.
 * - `create` may return what it made, as an observe at that moment would report it (exists, up
 *   to date, our mark, atProvider, connection details), when it knows it as surely as a read
 *   would: it made the thing itself just now and every setting was acknowledged. The reconciler
 *   then skips the observe that would follow. Return nothing when unsure (a thing that was there
 *   before, a change still pending, a cloud slow to show its own writes).
 * - `create`, `update` and `delete` may hand their change to something that sends it later (a
 *   batch of changes to one DNS zone) and return at once; `create` and `update` then return
 *   `{ queued: true }` (SDK 1.4), and `observe` reports `pending` (reason `Waiting`) until the
 *   change is applied, `written` once the backend took it, and throws the change's typed error if
 *   it failed.
 * - Never touch what lacks our ownership mark: the reconciler checks the mark observe reports,
 *   and an adapter must not act on a different external thing than the one it observed.
 * - Every failure leaves the adapter typed, decided once where the backend's answer arrives:
 *   RetryableError when trying again may help (throttling, marked `throttled`; 5xx; timeouts;
 *   refused or dropped connections), TerminalError when only a change of spec, configuration or
 *   credentials can (an invalid spec, bad credentials, access denied, a name owned by someone
 *   else), ConflictError when the thing changed between our read and our write. Each carries a
 *   reason code (ProviderReason). No message, nor any cause's, may hold a secret value.
 */
export interface ExternalClient<Spec, AtProvider = Record<string, unknown>> {
  observe(resource: ManagedResource<Spec>): Promise<Observation<AtProvider>>;
  create(resource: ManagedResource<Spec>): Promise<void | Observation<AtProvider> | WriteQueued>;
  update(resource: ManagedResource<Spec>, observation: Observation<AtProvider>): Promise<void | WriteQueued>;
  delete(resource: ManagedResource<Spec>, observation: Observation<AtProvider>): Promise<DeleteResult>;
  /**
   * Sets the generated credentials found in `resource.connectionSecret` on the existing thing (a
   * rotation, a Secret that was lost, or a create whose record a crash interrupted). Required for
   * kinds that declare generated connection keys; idempotent, like every other call.
   */
  setCredentials?(resource: ManagedResource<Spec>, observation: Observation<AtProvider>): Promise<void>;
  /** Release connections; called once the reconcile is done with the client. */
  disconnect(): Promise<void>;
}

/** Static credentials resolved by the reconciler from a Secret; never logged. */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** How a request waits at the account's limiter. */
export interface ScheduleOptions {
  /**
   * Queued ahead of the requests without it. For a read that reconciles wait on (a DNS zone's
   * listing): behind a queue of batched writes, which only grow while they wait, it would hold
   * every worker, and with them the changes those batches are waiting for. Never for a write or a
   * poll. A limiter that cannot order its queue may ignore it.
   */
  ahead?: boolean | undefined;
}

/**
 * The account-wide limit for one cloud API (Route 53 allows 5 requests a second per account).
 * Adapters send every cloud request through it and report throttling back, so the limiter slows
 * down instead of anyone retrying hot.
 */
export interface RequestLimiter {
  schedule<T>(fn: () => Promise<T>, options?: ScheduleOptions): Promise<T>;
  throttled(): void;
  succeeded(): void;
}

/** The parts of a ProviderConfig an adapter needs, with secrets already resolved. */
export interface ProviderConnection {
  /** The ProviderConfig's name. */
  name: string;
  type: string;
  region: string;
  /** Endpoint override (an emulator); undefined for the real cloud. */
  endpoint?: string | undefined;
  /** Resolved credentials: static ones from a Secret, or undefined for the SDK's default chain. */
  credentials?: StaticCredentials | undefined;
  /** A role to assume with the pod's projected token (ProviderConfig credentials source WebIdentity). */
  webIdentity?: { roleArn: string; tokenFile?: string | undefined } | undefined;
  /** Other values from a credentials Secret (e.g. a database admin URL); never logged. */
  secretData?: Record<string, string> | undefined;
  /** Provider-specific settings from the ProviderConfig, as the strings it holds (e.g. forcePathStyle: "true"). */
  settings: Record<string, string>;
  /** The account limiter for an API name (`s3`, `route53`, `rds`); absent in bare tests. */
  limiter?: ((api: string) => RequestLimiter) | undefined;
}

/**
 * What a provider's `probe` saw (since SDK 1.4.0; a plain string is still accepted as `summary`).
 * The operator writes `account` and `endpoint` into the ProviderConfig's status, and `mooring
 * doctor` prints `summary`. Nothing in it may be a secret.
 */
export interface ProbeReport {
  /** One line: what answered, where, as whom (e.g. `STS GetCallerIdentity at … as arn:aws:…`). */
  summary: string;
  /** Who the credentials act as: an AWS account id, a database role, a server id. */
  account?: string | undefined;
  /** Where the call went: an endpoint URL, `host:port`. */
  endpoint?: string | undefined;
}

/** Makes clients for one kind. */
export interface Connector<Spec, AtProvider = Record<string, unknown>> {
  /** Runs under the same deadline as a call (`--call-timeout`): `callSignal()` is its signal. */
  connect(connection: ProviderConnection): Promise<ExternalClient<Spec, AtProvider>>;
  /**
   * Releases what the connector keeps between reconciles (a connection pool per ProviderConfig);
   * called once, when the operator stops. Optional: most connectors keep nothing.
   */
  close?(): Promise<void>;
}
