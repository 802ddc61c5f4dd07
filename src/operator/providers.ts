// From a resource's providerConfigRef to a connected adapter: the ProviderConfig (from the watch
// cache), its credentials (from a Secret, never logged), the account limiters, and the connector
// the provider registered for the kind.
import type { Connector, ProbeReport, ProviderConnection, RequestLimiter } from '../../sdk/index.ts';
import { TerminalError } from '../../sdk/index.ts';
import type { Grants, Policy, ProviderConfigSpec } from '../api/providerconfig.ts';
import type { Limits } from '../limits/index.ts';
import type { ResyncBudget } from '../limits/resync.ts';
import { scrubber } from '../runtime/scrub.ts';
import { Reason } from '../reconcile/reasons.ts';
import type { MarkForm } from '../reconcile/marks.ts';
import type { Admission, ProviderResolver, Requester } from '../reconcile/types.ts';
import type { AccountDirectory } from './account-directory.ts';
import { AccountLimits } from './account-limits.ts';
import { granted, type NamespaceSource } from './grants.ts';
import { checkPolicy } from './policy.ts';

/**
 * What the resolver needs of a provider: its type name (a ProviderConfig's `spec.type`) and a
 * connector per kind. A registration from defineProvider (sdk/) is one.
 */
export interface ProviderRegistration {
  type: string;
  kinds: Partial<Record<string, Connector<unknown>>>;
  /**
   * Optional: a cheap read-only call proving a ProviderConfig of this type reaches its cloud with
   * working credentials (`mooring doctor`, the ProviderConfig's status). Resolves to what it saw
   * (a ProbeReport, or a string from a plugin older than SDK 1.4.0); throws a typed error.
   */
  probe?: (connection: ProviderConnection) => Promise<string | ProbeReport>;
}

/** A probe's answer as a ProbeReport, whatever a plugin resolved to (a string: only a summary). */
export function probeReport(answer: unknown): ProbeReport {
  if (typeof answer === 'string') return { summary: answer };
  const a = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { summary: text(a.summary) ?? 'the probe answered', account: text(a.account), endpoint: text(a.endpoint) };
}

/** The ProviderConfig fields the resolver reads (see src/api/providerconfig.ts). */
export interface ProviderConfigView {
  name: string;
  type: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  credentials?:
    | {
        source: 'Secret' | 'Environment' | 'WebIdentity';
        secretRef?: { namespace: string; name: string } | undefined;
        webIdentity?: { roleArn: string; tokenFile?: string | undefined } | undefined;
      }
    | undefined;
  rateLimits?: { requestsPerSecond?: number | undefined; maxConcurrent?: number | undefined; resyncReadsPerSecond?: number | undefined } | undefined;
  /** Unset: the cluster's own id (see Resolver.useClusterId). */
  ownershipId?: string | undefined;
  /** Unset: Readable. */
  ownershipMarks?: MarkForm | undefined;
  settings?: Record<string, string> | undefined;
  /** Which namespaces may use the config; unset: none. */
  grants?: Grants | undefined;
  /** What their resources may ask for; unset: the schema's defaults (nothing relaxed). */
  policy?: Policy | undefined;
  /** Whom the config's probe reached (its status, when written for the current generation): keys the account limiters. */
  probed?: { account?: string | undefined; endpoint?: string | undefined } | undefined;
}

/** The fields of a parsed ProviderConfig the resolver reads; `probed` from a status of the current generation. */
export function providerConfigView(name: string, spec: ProviderConfigSpec, probed?: ProviderConfigView['probed']): ProviderConfigView {
  return {
    ...(probed ? { probed } : {}),
    name,
    type: spec.type,
    region: spec.region,
    endpoint: spec.endpoint,
    credentials: spec.credentials,
    rateLimits: spec.rateLimits,
    ownershipId: spec.ownershipId,
    ownershipMarks: spec.ownershipMarks,
    settings: spec.settings,
    grants: spec.grants,
    policy: spec.policy,
  };
}

export interface ProviderConfigSource {
  get(name: string): ProviderConfigView | undefined;
}

export interface SecretSource {
  /** The Secret's data decoded to strings, or undefined when it does not exist. */
  secret(namespace: string, name: string): Record<string, string> | undefined;
  /** Namespaces a credentials Secret may be read in (--credentials-namespaces); unset: any. */
  readonly credentialsNamespaces?: readonly string[] | undefined;
}

/**
 * Rate limits the clouds set per account, applied unless a ProviderConfig asks for less. Route 53
 * allows 5 requests a second; we keep 10% below it, because requests leave evenly spaced but
 * reach the cloud with some milliseconds of jitter (signing, sockets), and Route 53 counts arrivals.
 */
const DEFAULT_API_LIMITS: Record<string, { requestsPerSecond?: number }> = {
  route53: { requestsPerSecond: 4.5 },
  // RDS: "up to 300 requests in a burst and a sustained 12 requests per second" per account and
  // Region (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html),
  // counted from every client of the account (console, CLI, other tools): we keep to 10.
  rds: { requestsPerSecond: 10 },
};

// Accepted key names in a credentials Secret: ours, and the AWS CLI's environment names.
const ACCESS_KEY = ['accessKeyId', 'AWS_ACCESS_KEY_ID', 'aws_access_key_id'];
const SECRET_KEY = ['secretAccessKey', 'AWS_SECRET_ACCESS_KEY', 'aws_secret_access_key'];
const SESSION_TOKEN = ['sessionToken', 'AWS_SESSION_TOKEN', 'aws_session_token'];
/** What an unset spec.policy means: nothing relaxed, no adoption. */
const DEFAULT_POLICY: Policy = {
  adoption: 'Forbidden',
  dns: { apexNameServers: false },
  rds: { publiclyAccessible: false },
  buckets: { publicAccess: false },
};

/** Namespaces' labels unknown: only grants by name can match. */
const NO_NAMESPACES: NamespaceSource = { labels: () => undefined };

const pick = (data: Record<string, string>, keys: string[]) => keys.map((k) => data[k]).find((v) => v !== undefined && v !== '');

export class Resolver implements ProviderResolver {
  private readonly registry = new Map<string, ProviderRegistration>();
  private readonly configs: ProviderConfigSource;
  private readonly secrets: SecretSource;
  private readonly accountLimits: AccountLimits;
  private readonly namespaces: NamespaceSource;
  /** The ownership id of configs that name none: unique to this cluster (src/kube/cluster-id.ts). */
  private clusterId: string | undefined;
  /** Drift checks' read budget: every request of a config counted to its account (resync.ts). */
  private resyncBudget: ResyncBudget | undefined;

  constructor(configs: ProviderConfigSource, secrets: SecretSource, limits: Limits, providers: ProviderRegistration[], namespaces: NamespaceSource = NO_NAMESPACES) {
    this.configs = configs;
    this.secrets = secrets;
    this.accountLimits = new AccountLimits(limits, DEFAULT_API_LIMITS, configs);
    this.namespaces = namespaces;
    for (const p of providers) this.registry.set(p.type, p);
  }

  /** Counts every request to the account budget, and takes configs' own budgets (spec.rateLimits.resyncReadsPerSecond). */
  useResyncBudget(budget: ResyncBudget): void {
    this.resyncBudget = budget;
  }

  /** The account a config's drift checks are budgeted under; undefined for an unknown config. */
  resyncAccount(providerConfigName: string): string | undefined {
    const pc = this.configs.get(providerConfigName);
    return pc && this.accountLimits.account(pc);
  }

  /** Where the account limiters learn whose account a config reaches (each replica probes its own). */
  useAccounts(directory: AccountDirectory): void {
    this.accountLimits.directory = directory;
  }

  /** This cluster's own ownership id, once read (`mooring-` and 12 hex digits of kube-system's uid). */
  useClusterId(id: string): void {
    this.clusterId = id;
  }

  ownershipId(providerConfigName: string): string {
    const id = this.configs.get(providerConfigName)?.ownershipId ?? this.clusterId;
    if (id !== undefined) return id;
    // Never a shared constant: two clusters using it would take each other's assets.
    throw new TerminalError(
      Reason.OwnershipIdUnknown,
      `ProviderConfig ${providerConfigName} sets no spec.ownershipId, and this cluster's own id is unknown (the operator could not read the kube-system Namespace at start); nothing is done until it is`,
    );
  }

  markForm(providerConfigName: string): MarkForm {
    return this.configs.get(providerConfigName)?.ownershipMarks ?? 'Readable';
  }

  /**
   * Whether the requester's namespace was granted the config, and its spec stays within the
   * config's policy: a TerminalError with the refusal's own reason when not. No cloud call, no
   * Secret read: this runs before anything else a pass does.
   */
  admit(name: string, requester: Requester): Admission {
    const pc = this.configs.get(name);
    if (!pc) throw new TerminalError(Reason.ProviderConfigNotFound, `ProviderConfig ${name} does not exist; create it, or fix spec.providerConfigRef.name`);
    if (!granted(pc.grants, requester.namespace, this.namespaces)) {
      throw new TerminalError(
        Reason.NotGranted,
        `ProviderConfig ${name} is not granted to namespace ${requester.namespace} (its spec.grants lists the namespaces that may use it); ask the platform team, or use a config granted to this namespace`,
      );
    }
    const policy = pc.policy ?? DEFAULT_POLICY;
    // No spec: a deleting pass, checked for the grant only.
    const refusal = requester.spec === undefined ? undefined : checkPolicy(requester.kind, requester.spec, policy, pc, requester.secretPaths);
    if (refusal) throw new TerminalError(refusal.reason, refusal.message);
    return { adoption: policy.adoption === 'Allowed' };
  }

  async resolve(name: string, kind: string): Promise<{ connection: ProviderConnection; connector: Connector<unknown> }> {
    const pc = this.configs.get(name);
    if (!pc) throw new TerminalError(Reason.ProviderConfigNotFound, `ProviderConfig ${name} does not exist; create it, or fix spec.providerConfigRef.name`);
    const provider = this.registry.get(pc.type);
    const connector = provider?.kinds[kind];
    if (!connector) {
      const known = [...this.registry.values()].filter((p) => p.kinds[kind]).map((p) => p.type);
      throw new TerminalError(Reason.ProviderNotRegistered, `ProviderConfig ${name} has type ${pc.type}, and no loaded provider of that type manages ${kind} (types that do: ${known.join(', ') || 'none'})`);
    }
    return { connector, connection: this.connection(pc) };
  }

  private connection(pc: ProviderConfigView): ProviderConnection {
    const connection: ProviderConnection = {
      name: pc.name,
      type: pc.type,
      region: pc.region ?? 'us-east-1',
      endpoint: pc.endpoint,
      settings: pc.settings ?? {},
      limiter: (api: string): RequestLimiter => {
        const limiter = this.accountLimits.limiter(pc, api, connection.credentials);
        if (!this.resyncBudget) return limiter;
        const account = this.accountLimits.account(pc);
        this.resyncBudget.setBudget(account, pc.name, pc.rateLimits?.resyncReadsPerSecond);
        return this.resyncBudget.counting(account, limiter);
      },
    };
    if (pc.credentials?.source === 'WebIdentity') connection.webIdentity = pc.credentials.webIdentity;
    if (pc.credentials?.source === 'Secret') {
      const ref = pc.credentials.secretRef;
      // Credentials live where only the admin writes: a secretRef into any other namespace (a
      // tenant's own, whose Secret it controls) is refused before the Secret is read.
      const allowed = this.secrets.credentialsNamespaces;
      if (ref && allowed && !allowed.includes(ref.namespace)) {
        throw new TerminalError(
          Reason.CredentialsNamespaceRefused,
          `the credentials Secret ${ref.namespace}/${ref.name} of ProviderConfig ${pc.name} is in a namespace the operator may not read credentials from (--credentials-namespaces: ${allowed.join(', ')}); move it there`,
        );
      }
      const data = ref && this.secrets.secret(ref.namespace, ref.name);
      if (!ref || !data) {
        throw new TerminalError(Reason.CredentialsNotFound, `the credentials Secret ${ref ? `${ref.namespace}/${ref.name}` : '(none named)'} of ProviderConfig ${pc.name} does not exist`);
      }
      connection.secretData = data;
      // From now on these values are scrubbed from every log line, Event and status: all of them,
      // whatever their keys (an admin may keep a token under any name), and never forgotten.
      scrubber.rememberAll(data);
      const accessKeyId = pick(data, ACCESS_KEY);
      const secretAccessKey = pick(data, SECRET_KEY);
      // Half a key pair is a mistake in the Secret (a misspelt key). Connecting without static
      // credentials would fall back to the SDK's default chain: the operator's own identity,
      // perhaps in another account. (A Secret with neither key is fine: secretData is the point.)
      if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
        const [has, lacks] = accessKeyId ? ['accessKeyId', 'secretAccessKey'] : ['secretAccessKey', 'accessKeyId'];
        throw new TerminalError(
          Reason.CredentialsNotFound,
          `the credentials Secret ${ref.namespace}/${ref.name} of ProviderConfig ${pc.name} has ${has} but no ${lacks} (accepted keys: ${(accessKeyId ? SECRET_KEY : ACCESS_KEY).join(', ')})`,
        );
      }
      if (accessKeyId && secretAccessKey) {
        const sessionToken = pick(data, SESSION_TOKEN);
        connection.credentials = sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
      }
    }
    return connection;
  }
}
