// The operator's configuration: command-line flags over MOORING_* environment variables over
// DEFAULTS. Every field is a flag `--name=value` or `--name value` and an environment variable
// MOORING_NAME (the flag's name in capitals, dashes as underscores). Durations take a unit
// (`500ms`, `5s`, `5m`, `1h30m`); a bare number is seconds. An empty environment variable counts
// as unset. A bad value fails with the flag and the variable named.
import { hostname } from 'node:os';
import * as z from 'zod';
import { BACKOFF_DEFAULTS } from './backoff.ts';
import { QUEUE_DEFAULTS } from './queue.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Every default in one place; the docs point here, and a test keeps the comments below in step. */
export const DEFAULTS = {
  kubeconfig: undefined,
  namespaces: undefined,
  concurrency: QUEUE_DEFAULTS.concurrency,
  resyncPeriodMs: 300_000,
  resyncJitter: 0.1,
  // Drift checks' reads per second per account (src/limits/resync.ts); 0: no budget.
  resyncReadsPerSecond: 5,
  // ConfigMaps of one namespace watched by name before it gets one namespace-wide watch (src/operator/configmap-watches.ts).
  maxReferencedConfigMapWatches: 20,
  minReconcileIntervalMs: 60_000,
  maxReconcileIntervalMs: 86_400_000,
  backoffBaseMs: BACKOFF_DEFAULTS.baseMs,
  backoffMaxMs: BACKOFF_DEFAULTS.maxMs,
  // A state that waits on the user (BucketNotEmpty): polled steadily, not backed off (src/reconcile/retry.ts).
  userWaitPollMs: 30_000,
  // Adapter call deadlines (src/reconcile/deadline.ts reads its defaults from here).
  callTimeoutMs: 60_000,
  // One delete may empty a page of a bucket's objects (the adapter stops part-way and is called again).
  deleteTimeoutMs: 300_000,
  shutdownGraceMs: 30_000,
  providerConfigCheckMs: 600_000,
  logLevel: 'info',
  logFormat: 'json',
  bindAddress: ':8080',
  leaderElect: false,
  sharded: false,
  leaseName: 'mooring-leader',
  leaseNamespace: 'mooring-system',
  leaseDurationMs: 15_000,
  leaseRenewDeadlineMs: 10_000,
  leaseRetryPeriodMs: 2_000,
  identity: hostname(),
  providers: undefined,
  credentialsNamespaces: undefined,
} as const;

/** Where credentials Secrets may live when --credentials-namespaces is unset: the operator's own namespace. */
export const ownNamespace = (env: Readonly<Record<string, string | undefined>>): string => env.POD_NAMESPACE?.trim() || 'mooring-system';

/** A field read from text: `parse` returns undefined for text it cannot take, and `expected` says what it takes. */
function field<T>(expected: string, parse: (text: string) => T | undefined) {
  return z.string().transform((text, ctx): T => {
    const value = parse(text.trim());
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}` });
      return z.NEVER;
    }
    return value;
  });
}

const wholeNumber = (min: number, max: number) =>
  field(`a whole number from ${min} to ${max}`, (t) => (/^\d+$/.test(t) && Number(t) >= min && Number(t) <= max ? Number(t) : undefined));

const fraction = field('a fraction from 0 to 1, such as 0.1', (t) => {
  const n = t === '' ? NaN : Number(t);
  return n >= 0 && n <= 1 ? n : undefined;
});

const rate = field('a number of requests a second from 0 to 10000, such as 5 or 0.5', (t) => {
  const n = t === '' ? NaN : Number(t);
  return n >= 0 && n <= 10_000 ? n : undefined;
});

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `1h30m`, `5s`, `250ms`, or a bare number of seconds, in milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(n) * UNITS[unit!]!;
  return Math.round(ms);
}

const duration = (minMs: number, maxMs: number) =>
  field(`a duration from ${minMs / 1000} s to ${maxMs / 1000} s, such as 30s, 5m or 1h`, (t) => {
    const ms = parseDuration(t);
    return ms !== undefined && ms >= minMs && ms <= maxMs ? ms : undefined;
  });

const oneOf = <const T extends readonly string[]>(values: T) =>
  field(`one of ${values.join(', ')}`, (t): T[number] | undefined => values.find((v) => v === t.toLowerCase()));

const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };
const boolean = field('true or false', (t) => BOOLEANS[t.toLowerCase()]);

// A DNS label: what Kubernetes allows as a namespace name.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// A DNS subdomain: what Kubernetes allows as a Lease name.
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const namespaceName = field('a namespace name (lower-case letters, digits and dashes)', (t) => (DNS_LABEL.test(t) ? t : undefined));
const leaseName = field('a Lease name (lower-case letters, digits, dashes and dots)', (t) => (DNS_SUBDOMAIN.test(t) ? t : undefined));
const text = (expected: string) => field(expected, (t) => (t === '' ? undefined : t));
// Namespaces to watch, comma-separated (a repeated flag adds to the list); an empty value is the
// default spelled out: all namespaces.
const watchedNamespaces = z.string().transform((t, ctx): string[] | undefined => {
  const items = [...new Set(t.split(',').map((s) => s.trim()).filter(Boolean))];
  if (items.every((n) => DNS_LABEL.test(n))) return items.length ? items : undefined;
  ctx.addIssue({ code: 'custom', message: 'expected namespace names (lower-case letters, digits and dashes) separated by commas, or nothing for all' });
  return z.NEVER;
});

/** Plugins: npm package names or paths, comma-separated; blanks between entries are ignored. */
const pluginList = field('npm package names or paths, separated by commas', (t) => {
  const items = t.split(',').map((s) => s.trim()).filter(Boolean);
  return items.length ? items : undefined;
});

/** Namespace names, comma-separated (a repeated flag adds to the list). */
const namespaceList = field('namespace names (lower-case letters, digits and dashes), separated by commas', (t) => {
  const items = [...new Set(t.split(',').map((s) => s.trim()).filter(Boolean))];
  return items.length && items.every((n) => DNS_LABEL.test(n)) ? items : undefined;
});

/** `host:port`, `:port` (every interface) or `[ipv6]:port`. */
const bindAddress = field('host:port or :port, such as :8080 or 127.0.0.1:8080', (t) => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/.exec(t);
  return match && Number(match[2]) <= 65_535 ? t : undefined;
});

// Each field's default is written beside it (the test checks them against DEFAULTS).
const schema = z
  .object({
    kubeconfig: text('a file path').optional(), // default unset: $KUBECONFIG, else in-cluster, else ~/.kube/config
    namespaces: watchedNamespaces.optional(), // default unset: all namespaces
    concurrency: wholeNumber(1, 1000).default(DEFAULTS.concurrency), // default 4
    resyncPeriodMs: duration(1_000, 86_400_000).default(DEFAULTS.resyncPeriodMs), // default 300 s
    resyncJitter: fraction.default(DEFAULTS.resyncJitter), // default 0.1
    resyncReadsPerSecond: rate.default(DEFAULTS.resyncReadsPerSecond), // default 5
    maxReferencedConfigMapWatches: wholeNumber(0, 10_000).default(DEFAULTS.maxReferencedConfigMapWatches), // default 20
    minReconcileIntervalMs: duration(1_000, 86_400_000).default(DEFAULTS.minReconcileIntervalMs), // default 60 s
    maxReconcileIntervalMs: duration(1_000, 604_800_000).default(DEFAULTS.maxReconcileIntervalMs), // default 86400 s
    backoffBaseMs: duration(1, 3_600_000).default(DEFAULTS.backoffBaseMs), // default 5 s
    backoffMaxMs: duration(1, 86_400_000).default(DEFAULTS.backoffMaxMs), // default 300 s
    userWaitPollMs: duration(100, 3_600_000).default(DEFAULTS.userWaitPollMs), // default 30 s
    callTimeoutMs: duration(100, 3_600_000).default(DEFAULTS.callTimeoutMs), // default 60 s
    deleteTimeoutMs: duration(100, 3_600_000).default(DEFAULTS.deleteTimeoutMs), // default 300 s
    shutdownGraceMs: duration(0, 3_600_000).default(DEFAULTS.shutdownGraceMs), // default 30 s
    providerConfigCheckMs: duration(10_000, 86_400_000).default(DEFAULTS.providerConfigCheckMs), // default 600 s
    logLevel: oneOf(LOG_LEVELS).default(DEFAULTS.logLevel), // default info
    logFormat: oneOf(LOG_FORMATS).default(DEFAULTS.logFormat), // default json
    bindAddress: bindAddress.default(DEFAULTS.bindAddress), // default :8080
    leaderElect: boolean.default(DEFAULTS.leaderElect), // default false
    sharded: boolean.default(DEFAULTS.sharded), // default false
    leaseName: leaseName.default(DEFAULTS.leaseName), // default mooring-leader
    leaseNamespace: namespaceName.default(DEFAULTS.leaseNamespace), // default mooring-system
    leaseDurationMs: duration(1_000, 3_600_000).default(DEFAULTS.leaseDurationMs), // default 15 s
    leaseRenewDeadlineMs: duration(1_000, 3_600_000).default(DEFAULTS.leaseRenewDeadlineMs), // default 10 s
    leaseRetryPeriodMs: duration(100, 3_600_000).default(DEFAULTS.leaseRetryPeriodMs), // default 2 s
    identity: text('a name').default(DEFAULTS.identity), // default the host name (the pod's name in a cluster)
    providers: pluginList.optional(), // default unset: the built-in providers only
    credentialsNamespaces: namespaceList.optional(), // default unset: the operator's own namespace ($POD_NAMESPACE, else mooring-system)
  })
  .superRefine((c, ctx) => {
    const rule = (ok: boolean, path: keyof Config, message: string) => ok || ctx.addIssue({ code: 'custom', path: [path], message });
    rule(c.minReconcileIntervalMs <= c.maxReconcileIntervalMs, 'minReconcileIntervalMs', `must not exceed ${described('maxReconcileIntervalMs')} (${c.maxReconcileIntervalMs / 1000} s)`);
    rule(c.backoffBaseMs <= c.backoffMaxMs, 'backoffBaseMs', `must not exceed ${described('backoffMaxMs')} (${c.backoffMaxMs / 1000} s)`);
    rule(!(c.leaderElect && c.sharded), 'sharded', `cannot be combined with ${described('leaderElect')}: choose one replica acting (leader election) or all sharing the work`);
    rule(c.leaseRenewDeadlineMs < c.leaseDurationMs, 'leaseRenewDeadlineMs', `must be shorter than ${described('leaseDurationMs')} (${c.leaseDurationMs / 1000} s)`);
    // client-go's rule: a leader retries renewing at least once (with jitter) before its deadline.
    rule(c.leaseRetryPeriodMs * 1.2 < c.leaseRenewDeadlineMs, 'leaseRetryPeriodMs', `times 1.2 must be shorter than ${described('leaseRenewDeadlineMs')} (${c.leaseRenewDeadlineMs / 1000} s)`);
  });

export type Config = z.output<typeof schema>;
DEFAULTS satisfies Config;

interface Setting {
  flag: string;
  help: string;
  /** Given alone (`--leader-elect`) it means true. */
  switch?: true;
  /** A comma-separated list: each repeat of the flag adds to it. */
  list?: true;
}

const SETTINGS: Record<keyof Config, Setting> = {
  kubeconfig: { flag: 'kubeconfig', help: 'kubeconfig file to use; unset: $KUBECONFIG, else the in-cluster service account, else ~/.kube/config' },
  namespaces: { flag: 'namespace', help: 'the namespaces to watch, comma-separated or repeated (one list/watch each); unset: all namespaces', list: true },
  concurrency: { flag: 'concurrency', help: 'reconciles run at once' },
  resyncPeriodMs: { flag: 'resync-period', help: 'how often every object is reconciled even without a change (drift detection)' },
  resyncJitter: { flag: 'resync-jitter', help: 'fraction the resync period varies by, either way, for objects whose account is not known' },
  resyncReadsPerSecond: {
    flag: 'resync-reads-per-second',
    help: "most reads a second each account's drift checks may cost, spread over the resync period (0: no budget); a ProviderConfig's spec.rateLimits.resyncReadsPerSecond overrides it for its account",
  },
  maxReferencedConfigMapWatches: {
    flag: 'max-referenced-configmap-watches',
    help: 'ConfigMaps of one namespace that references name watched one by one, by name; past that the namespace gets one namespace-wide ConfigMap watch (0: always that)',
  },
  minReconcileIntervalMs: { flag: 'min-reconcile-interval', help: 'the shortest resync an object may ask for with the annotation mooring.dev/reconcile-interval (shorter asks are raised to it)' },
  maxReconcileIntervalMs: { flag: 'max-reconcile-interval', help: 'the longest resync an object may ask for with the annotation mooring.dev/reconcile-interval (longer asks are cut to it)' },
  backoffBaseMs: { flag: 'backoff-base', help: 'first retry delay after a failed reconcile (jittered: half to all of it; a tenth of it after a conflict); doubles on each further failure' },
  backoffMaxMs: { flag: 'backoff-max', help: 'longest retry delay after failed reconciles' },
  userWaitPollMs: { flag: 'user-wait-poll', help: 'how often a state that waits on the user (a delete held by BucketNotEmpty, DatabaseInUse; a reference to a Secret not labelled referenceable) is looked at again: a steady poll, not a backoff' },
  callTimeoutMs: { flag: 'call-timeout', help: 'deadline of one adapter call (observe, create, update): then it is aborted and retried with backoff (CallTimeout)' },
  deleteTimeoutMs: { flag: 'delete-timeout', help: 'deadline of one adapter delete call (which may empty a page of a bucket\'s objects)' },
  shutdownGraceMs: { flag: 'shutdown-grace', help: 'on SIGTERM, how long reconciles in flight may finish before their adapter calls are aborted' },
  providerConfigCheckMs: { flag: 'provider-config-check-interval', help: "how often each ProviderConfig's credentials and endpoint are checked for its status (also on a change, and when a resource fails on credentials)" },
  logLevel: { flag: 'log-level', help: `log level: ${LOG_LEVELS.join(', ')}` },
  logFormat: { flag: 'log-format', help: 'json (one object a line) or pretty (readable, for a terminal)' },
  bindAddress: { flag: 'bind-address', help: 'where /metrics, /healthz and /readyz are served' },
  leaderElect: { flag: 'leader-elect', help: 'run only while holding the Lease, so one replica acts at a time', switch: true },
  sharded: { flag: 'sharded', help: 'split the objects between all replicas run with it (membership Leases named after --lease-name)', switch: true },
  leaseName: { flag: 'lease-name', help: 'name of the leader-election Lease' },
  leaseNamespace: { flag: 'lease-namespace', help: 'the operator namespace: its Leases and its key Secret (mooring-operator-key)' },
  leaseDurationMs: { flag: 'lease-duration', help: 'how long others wait after the last renewal before taking the Lease' },
  leaseRenewDeadlineMs: { flag: 'lease-renew-deadline', help: 'how long the leader keeps trying to renew before it gives up leading' },
  leaseRetryPeriodMs: { flag: 'lease-retry-period', help: 'how often to try to take or renew the Lease' },
  identity: { flag: 'identity', help: 'this replica\'s name in the Lease' },
  providers: { flag: 'providers', help: 'provider plugins to load at start-up, comma-separated: npm package names (installed beside mooring) or paths' },
  credentialsNamespaces: {
    flag: 'credentials-namespaces',
    help: "namespaces a ProviderConfig's credentials.secretRef may point into, comma-separated or repeated; never list one tenants can write to",
    list: true,
  },
};

export function envName(key: keyof Config): string {
  return `MOORING_${SETTINGS[key].flag.toUpperCase().replaceAll('-', '_')}`;
}

function described(key: keyof Config): string {
  return `--${SETTINGS[key].flag} (${envName(key)})`;
}

export interface ConfigIssue {
  field: keyof Config;
  flag: string;
  env: string;
  /** Where the bad value came from; unset for an unknown flag or a rule between fields. */
  source?: 'flag' | 'env' | undefined;
  message: string;
}

export class ConfigError extends Error {
  readonly code = 'InvalidConfig';
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], extra: string[] = []) {
    const lines = [...extra, ...issues.map((i) => i.message)];
    super(lines.length === 1 ? `invalid configuration: ${lines[0]}` : `invalid configuration:\n  ${lines.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

const BY_FLAG = new Map(Object.entries(SETTINGS).map(([key, s]) => [s.flag, key as keyof Config]));

/** Flags as given, by field; the last of a repeated flag wins (a list's repeats add up). Throws on unknown flags and stray words. */
function readFlags(argv: readonly string[]): Partial<Record<keyof Config, string>> {
  const values: Partial<Record<keyof Config, string>> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      problems.push(`unexpected argument "${arg}" (flags look like --concurrency=8)`);
      continue;
    }
    const [, name, inline] = match;
    const key = BY_FLAG.get(name!);
    if (!key) {
      problems.push(`unknown flag --${name} (known: ${[...BY_FLAG.keys()].map((f) => `--${f}`).join(', ')})`);
      continue;
    }
    let value: string | undefined;
    if (inline !== undefined) value = inline;
    else if (SETTINGS[key].switch) value = 'true';
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i]!;
    else problems.push(`${described(key)} needs a value`);
    if (value !== undefined) values[key] = SETTINGS[key].list && values[key] !== undefined ? `${values[key]},${value}` : value;
  }
  if (problems.length) throw new ConfigError([], problems);
  return values;
}

/**
 * The configuration from `argv` (the flags only, without the command) and `env`. Throws a
 * ConfigError naming every bad value's flag and environment variable.
 */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const flags = readFlags(argv);
  const input: Partial<Record<keyof Config, string>> = {};
  const source: Partial<Record<keyof Config, 'flag' | 'env'>> = {};
  for (const key of Object.keys(SETTINGS) as (keyof Config)[]) {
    const fromEnv = env[envName(key)];
    if (flags[key] !== undefined) {
      input[key] = flags[key];
      source[key] = 'flag';
    } else if (fromEnv !== undefined && fromEnv !== '') {
      input[key] = fromEnv;
      source[key] = 'env';
    }
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ...parsed.data, credentialsNamespaces: parsed.data.credentialsNamespaces ?? [ownNamespace(env)] };
  const issues = parsed.error.issues.map((issue): ConfigIssue => {
    const key = issue.path[0] as keyof Config;
    const from = source[key];
    const given = from ? `, got ${JSON.stringify(input[key])} from ${from === 'flag' ? `--${SETTINGS[key].flag}` : envName(key)}` : '';
    return { field: key, flag: `--${SETTINGS[key].flag}`, env: envName(key), source: from, message: `${described(key)}: ${issue.message}${given}` };
  });
  throw new ConfigError(issues);
}

/** The flags, their variables and defaults, for `--help`. */
export function usage(): string {
  const shown = (key: keyof Config): string => {
    const value = DEFAULTS[key];
    if (value === undefined) return 'unset';
    if (key.endsWith('Ms') && typeof value === 'number') return `${value / 1000}s`;
    return String(value);
  };
  return (Object.keys(SETTINGS) as (keyof Config)[])
    .map((key) => `  --${SETTINGS[key].flag.padEnd(22)} ${SETTINGS[key].help}\n  ${' '.repeat(24)} env ${envName(key)}, default ${shown(key)}`)
    .join('\n');
}
