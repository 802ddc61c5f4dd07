// The connection Secret of one managed object: where its connection details (and, for kinds with
// credentials, the generated password) live. The reconciler owns it, never the adapter:
//
// - it is ours only when it carries our ownership mark; a Secret of that name without it is never
//   overwritten (SecretConflict);
// - a generated value is written to the Secret *before* the adapter sets it in the cloud, marked
//   pending, and the mark is cleared once the adapter succeeded. A crash in between leaves a
//   pending value that the next pass sets again: a password is never lost (issue 5);
// - a rotation is asked for with an annotation holding a timestamp on the managed object; the
//   Secret records the request its password answers to, so each request rotates once.
import { randomBytes } from 'node:crypto';
import { scrubber as processScrubber, type SecretScrubber } from '../runtime/scrub.ts';
import { TerminalError } from '../../sdk/index.ts';
import { Reason } from './reasons.ts';
import type { ManagedObject, SecretBody, SecretStore, StoredSecret } from './types.ts';

/** On the Secret: the ownership mark of the managed object that wrote it. */
export const SECRET_OWNER = 'mooring.dev/owner';
/** On the Secret: its generated values are not yet set in the cloud; the value says why they were made. */
export const CREDENTIALS_PENDING = 'mooring.dev/credentials-pending';
/** On the Secret: the rotation request (a timestamp) the current credentials answer to. */
export const CREDENTIALS_ROTATION = 'mooring.dev/credentials-rotation';
/** On the managed object: an RFC 3339 timestamp; a newer one than the Secret records asks for new credentials. */
export const ROTATE_CREDENTIALS = 'mooring.dev/rotate-credentials';
export const CONNECTION_SECRET_TYPE = 'connection.mooring.dev/v1';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'mooring' } as const;

/** Why generated values were made: the first create, a rotation, or a Secret that lost them. */
export type PendingCause = 'create' | 'rotate' | 'restore';

/** 24 random bytes, URL-safe base64: 32 characters any URI, shell or RDS accepts unquoted. */
export const generateSecretValue = (): string => randomBytes(24).toString('base64url');

/**
 * Whether a value read back from a connection Secret has the form generateSecretValue gives: 32
 * URL-safe characters with upper and lower case (24 random bytes lack either with odds of about
 * 1 in 10^7). The Secret lives in the tenant's namespace, so its values may be the tenant's; this
 * form keeps what a tenant can have scrubbed to opaque tokens, never a name, a reason or a sentence.
 */
export const isGeneratedForm = (value: string | undefined): boolean =>
  value !== undefined && /^[A-Za-z0-9_-]{32}$/.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value);

export interface ConnectionSecretOptions {
  store: SecretStore;
  object: ManagedObject;
  name: string;
  ownershipMark: string;
  /** Older marks of this same object, also accepted on a stored Secret (the legacy mark, src/reconcile/marks.ts). */
  acceptedMarks?: string[];
  /** An earlier object's mark (of this namespace and name) whose Secret this one may take over. */
  predecessor?: (owner: string) => boolean;
  /** Keys whose values are generated here (for this spec). */
  generatedKeys: string[];
  generate?: () => string;
  /** Where generated values are remembered (default: the process's scrubber). */
  scrubber?: SecretScrubber;
}

export class ConnectionSecret {
  private readonly options: ConnectionSecretOptions;
  private stored: StoredSecret | undefined;

  private constructor(options: ConnectionSecretOptions, stored: StoredSecret | undefined) {
    this.options = options;
    this.stored = stored;
  }

  /** Reads the Secret; a Secret of that name without our mark is a Terminal SecretConflict. */
  static async load(options: ConnectionSecretOptions): Promise<ConnectionSecret> {
    const { store, object, name, ownershipMark } = options;
    const stored = await store.read(object.metadata.namespace, name);
    const owner = stored?.annotations[SECRET_OWNER];
    const accepted = owner !== undefined && (options.acceptedMarks?.includes(owner) || options.predecessor?.(owner));
    if (stored && owner !== ownershipMark && !accepted) {
      throw new TerminalError(
        Reason.SecretConflict,
        `the Secret ${object.metadata.namespace}/${name} exists and ${owner ? `belongs to ${owner}` : 'was not created by mooring'}; it is never overwritten. ` +
          'Delete or rename it, or set spec.writeConnectionSecretToRef.name to another name.',
      );
    }
    const secret = new ConnectionSecret(options, stored);
    for (const value of secret.generatedValues()) secret.scrubber.rememberGenerated(object.metadata.namespace, value);
    return secret;
  }

  private get scrubber(): SecretScrubber {
    return this.options.scrubber ?? processScrubber;
  }

  /**
   * The values of the generated keys as stored that the operator vouches for: ones this process
   * generated (already remembered for the namespace), or, after a restart, ones of the generated
   * form. Anything else there was written by someone else, the tenant perhaps: never learnt.
   */
  generatedValues(): string[] {
    const namespace = this.options.object.metadata.namespace;
    const data = this.stored?.data ?? {};
    return this.options.generatedKeys
      .map((k) => data[k])
      .filter((v): v is string => v !== undefined && (isGeneratedForm(v) || this.scrubber.knowsGenerated(namespace, v)));
  }

  get name(): string {
    return this.options.name;
  }

  /** The values as stored now (what the adapter must set), or undefined before the first write. */
  get data(): Record<string, string> | undefined {
    return this.stored?.data;
  }

  /** Generated values waiting to be set in the cloud, and why they were made. */
  get pending(): PendingCause | undefined {
    const cause = this.stored?.annotations[CREDENTIALS_PENDING];
    return cause === 'create' || cause === 'rotate' || cause === 'restore' ? cause : undefined;
  }

  /**
   * Makes sure every generated key has a value, and makes new ones when a rotation is due. New
   * values are written (pending) before this returns. `exists`: the external thing exists, so
   * values missing now were lost and must be set on it. Returns the cause when it generated.
   */
  async prepare(exists: boolean): Promise<PendingCause | undefined> {
    const { generatedKeys } = this.options;
    if (!generatedKeys.length || this.pending) return undefined;
    const requested = rotationRequest(this.options.object);
    const data = this.stored?.data ?? {};
    const missing = generatedKeys.some((k) => !data[k]);
    const rotate = rotationDue(requested, this.stored?.annotations[CREDENTIALS_ROTATION]);
    if (!missing && !rotate) return undefined;
    const cause: PendingCause = !exists ? 'create' : rotate ? 'rotate' : 'restore';
    const generate = this.options.generate ?? generateSecretValue;
    const fresh = Object.fromEntries(generatedKeys.map((k) => [k, generate()]));
    // Made here: scrubbed from now on, before anything could quote them.
    for (const value of Object.values(fresh)) this.scrubber.rememberGenerated(this.options.object.metadata.namespace, value);
    const annotations: Record<string, string> = { ...this.ownAnnotations(), [CREDENTIALS_PENDING]: cause };
    if (requested) annotations[CREDENTIALS_ROTATION] = requested;
    await this.write({ ...withoutStale(data, generatedKeys), ...fresh }, annotations);
    return cause;
  }

  /** The adapter set the pending values: clear the mark. */
  async applied(): Promise<void> {
    const { stored } = this;
    if (!stored || !this.pending) return;
    const annotations = this.ownAnnotations();
    delete annotations[CREDENTIALS_PENDING];
    await this.write(stored.data, annotations);
  }

  /**
   * Writes the adapter's connection details beside the generated values (which always win), only
   * when something changed. Details the adapter no longer reports are dropped.
   */
  async publish(details: Record<string, string> | undefined): Promise<void> {
    const current = this.stored?.data ?? {};
    const data: Record<string, string> = { ...(details ?? {}) };
    for (const key of this.options.generatedKeys) if (current[key] !== undefined) data[key] = current[key];
    const annotations = this.ownAnnotations();
    if (this.stored && sameStrings(data, current) && sameStrings(annotations, this.stored.annotations)) return;
    if (!this.stored && !Object.keys(data).length) return;
    await this.write(data, annotations);
  }

  /**
   * Our annotations as they are now (the mark always, pending and rotation when set). A stored
   * legacy mark stays as it is, as it does on the asset: an operator rolled back still knows it.
   */
  private ownAnnotations(): Record<string, string> {
    // A legacy mark stays (the object keeps using it); a predecessor's gives way to this object's.
    const owner = this.stored?.annotations[SECRET_OWNER];
    const keep = owner !== undefined && this.options.acceptedMarks?.includes(owner);
    return { ...(this.stored?.annotations ?? {}), [SECRET_OWNER]: keep ? owner : this.options.ownershipMark };
  }

  private async write(data: Record<string, string>, annotations: Record<string, string>): Promise<void> {
    const { object, name, store } = this.options;
    const body: SecretBody = {
      namespace: object.metadata.namespace,
      name,
      type: CONNECTION_SECRET_TYPE,
      data,
      annotations,
      labels: { ...MANAGED_BY },
      owner: { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, uid: object.metadata.uid },
    };
    this.stored = await store.write(body, this.stored);
  }
}

/** The object's rotation request, checked: a timestamp, or a Terminal InvalidSpec naming the annotation. */
export function rotationRequest(object: ManagedObject): string | undefined {
  const value = object.metadata.annotations?.[ROTATE_CREDENTIALS]?.trim();
  if (!value) return undefined;
  if (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new TerminalError(Reason.InvalidSpec, `the annotation ${ROTATE_CREDENTIALS} must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z, got ${JSON.stringify(value.slice(0, 64))}`);
  }
  return value;
}

/** A request is due when it is newer than the one the credentials answer to (or none was answered). */
export function rotationDue(requested: string | undefined, answered: string | undefined): boolean {
  if (!requested) return false;
  if (!answered) return true;
  const answeredAt = Date.parse(answered);
  return Number.isNaN(answeredAt) || Date.parse(requested) > answeredAt;
}

/**
 * Drops values that embed an old generated value (a URI holding the old password): better absent
 * until the adapter reports them anew than wrong.
 */
function withoutStale(data: Record<string, string>, generatedKeys: string[]): Record<string, string> {
  const old = generatedKeys.map((k) => data[k]).filter((v): v is string => Boolean(v));
  return Object.fromEntries(Object.entries(data).filter(([k, v]) => generatedKeys.includes(k) || !old.some((o) => v.includes(o))));
}

function sameStrings(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
