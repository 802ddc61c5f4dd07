// `mooring sandbox`: the whole thing on one machine. A real control plane and the AWS emulator
// (and PostgreSQL, and PowerDNS with the plugin of providers/powerdns) on loopback, the CRDs installed, the operator running in the foreground, the
// examples applied. `--once` waits for every example to be Ready, prints a table and tears down.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateHostedZoneCommand, ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION } from '../api/common.ts';
import { buildBundle } from '../build/index.ts';
import { applyObjects, readManifests, waitForCrds } from '../kube/apply.ts';
import { OPERATOR_ENV, OPERATOR_V8_FLAGS } from '../runtime/node-flags.ts';
import { startStack, stopOnSignals, type Stack } from '../stack/index.ts';
import { EMULATOR_CREDENTIALS } from '../stack/moto.ts';
import { ensurePdnsZone } from '../stack/pdns.ts';
import { checkPortFree } from '../stack/preflight.ts';
import { binaries } from '../stack/versions.ts';
import { renderTable, summarize, type ResourceRow } from './table.ts';
import { UsageError } from './usage.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// MOORING_SANDBOX_DIR moves it, so a test's sandbox never overwrites a developer's running one.
const SANDBOX_DIR = process.env.MOORING_SANDBOX_DIR || join(ROOT, '.sandbox');
const OPERATOR_NAMESPACE = 'mooring-system';
/** The examples live in team-a; the sandbox's configs are granted to it alone, as an admin would. */
const SANDBOX_GRANTS = { namespaces: ['team-a'] };

const say = (line: string) => console.error(`[sandbox] ${line}`);

export const SANDBOX_HELP = `usage: mooring sandbox [--once] [--timeout SECONDS] [--kube-port N] [--aws-port N] [--pg-port N] [--aws-endpoint URL]

Starts a local control plane (kube-apiserver + etcd), the AWS API emulator, PostgreSQL and PowerDNS
on loopback, installs the CRDs, runs the operator (with the PowerDNS plugin) in the foreground and
applies deploy/examples/.
Writes .sandbox/kubeconfig and .sandbox/env. Ctrl-C stops everything.

  --once             wait until every example is Ready, print a table, tear down; exit 0 or 1
  --timeout SECONDS  with --once: how long to wait for Ready (default 180)
  --kube-port N      fixed port for kube-apiserver (default: a free one); likewise --aws-port, --pg-port
  --aws-endpoint URL use an emulator already running there (LocalStack: see localstack/README.md)
                     instead of starting moto

Environment: MOORING_SANDBOX_DIR puts kubeconfig and env somewhere other than .sandbox/.`;

interface SandboxOptions {
  once: boolean;
  awsEndpoint?: string | undefined;
  timeoutMs: number;
  ports: { kube?: number; aws?: number; postgres?: number };
}

function parse(argv: string[]): SandboxOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      once: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '180' },
      'kube-port': { type: 'string' },
      'aws-port': { type: 'string' },
      'pg-port': { type: 'string' },
      'aws-endpoint': { type: 'string' },
    },
  });
  const port = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${flag} must be a port number (1-65535), got ${v}`);
    return n;
  };
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got ${values.timeout}`);
  const ports: SandboxOptions['ports'] = {};
  const kube = port('kube-port', values['kube-port']);
  const aws = port('aws-port', values['aws-port']);
  const pgPort = port('pg-port', values['pg-port']);
  if (kube) ports.kube = kube;
  if (aws) ports.aws = aws;
  if (pgPort) ports.postgres = pgPort;
  const awsEndpoint = values['aws-endpoint'];
  if (awsEndpoint !== undefined && !URL.canParse(awsEndpoint)) throw new UsageError(`--aws-endpoint must be a URL such as http://127.0.0.1:4566, got ${awsEndpoint}`);
  return { once: values.once, awsEndpoint, timeoutMs: timeout * 1000, ports };
}

/** The objects the sandbox itself provides: the namespace, emulator credentials, ProviderConfigs. */
function sandboxObjects(stack: Stack): KubernetesObject[] {
  const aws = stack.aws!;
  const pg = stack.postgres!;
  const pdns = stack.pdns!;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } },
    {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sandbox-aws', namespace: OPERATOR_NAMESPACE },
      stringData: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
    } as KubernetesObject,
    {
      apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name: 'aws' },
      spec: {
        type: 'aws', region: aws.region, endpoint: aws.endpoint,
        credentials: { source: 'Secret', secretRef: { namespace: OPERATOR_NAMESPACE, name: 'sandbox-aws' } },
        settings: { forcePathStyle: 'true' },
        grants: SANDBOX_GRANTS,
      },
    } as KubernetesObject,
    // The sandbox's PostgreSQL as the server the example Databases live on.
    {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sandbox-postgres', namespace: OPERATOR_NAMESPACE },
      stringData: { url: pg.url },
    } as KubernetesObject,
    {
      apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name: 'postgres' },
      spec: { type: 'postgres', credentials: { source: 'Secret', secretRef: { namespace: OPERATOR_NAMESPACE, name: 'sandbox-postgres' } }, grants: SANDBOX_GRANTS },
    } as KubernetesObject,
    // The sandbox's PowerDNS, served by the plugin in providers/powerdns (loaded with --providers).
    {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sandbox-powerdns', namespace: OPERATOR_NAMESPACE },
      stringData: { apiKey: pdns.apiKey },
    } as KubernetesObject,
    {
      apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name: 'powerdns' },
      spec: { type: 'powerdns', endpoint: pdns.apiUrl, credentials: { source: 'Secret', secretRef: { namespace: OPERATOR_NAMESPACE, name: 'sandbox-powerdns' } }, grants: SANDBOX_GRANTS },
    } as KubernetesObject,
  ];
}

/** The hosted zone deploy/examples/dnsrecord.yaml writes into; an emulator starts with none. */
export const SANDBOX_ZONE = 'example.test.';
/** The PowerDNS zone deploy/examples/dnsrecord-powerdns.yaml writes into. */
export const SANDBOX_PDNS_ZONE = 'powerdns.test.';
/** The PowerDNS plugin, loaded by the sandbox's operator as any plugin is (--providers). */
const POWERDNS_PLUGIN = join(ROOT, 'providers', 'powerdns');

async function ensureHostedZone(stack: Stack, name: string): Promise<void> {
  const aws = stack.aws!;
  const r53 = new Route53Client({ endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } });
  try {
    const found = await r53.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 1 }));
    if (found.HostedZones?.some((z) => z.Name === name)) return;
    await r53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `mooring-sandbox-${Date.now()}` }));
    say(`created the hosted zone ${name} in the emulator`);
  } finally {
    r53.destroy();
  }
}

function writeSandboxFiles(stack: Stack): void {
  rmSync(SANDBOX_DIR, { recursive: true, force: true });
  mkdirSync(join(SANDBOX_DIR, 'bin'), { recursive: true });
  copyFileSync(stack.kube!.kubeconfig, join(SANDBOX_DIR, 'kubeconfig'));
  symlinkSync(binaries().kubectl, join(SANDBOX_DIR, 'bin', 'kubectl'));
  symlinkSync(join(binaries().postgresBin, 'psql'), join(SANDBOX_DIR, 'bin', 'psql'));
  // `mooring doctor` and friends with this Node (24): the machine's own `node` may be older.
  writeFileSync(join(SANDBOX_DIR, 'bin', 'mooring'), `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'src', 'cli', 'main.ts')}' "$@"\n`, { mode: 0o755 });
  const aws = stack.aws!;
  const pg = stack.postgres!;
  writeFileSync(
    join(SANDBOX_DIR, 'env'),
    [
      '# Written by `npm run sandbox`: `source .sandbox/env` points kubectl, mooring, the AWS CLI/SDK and psql at the sandbox.',
      `export KUBECONFIG=${join(SANDBOX_DIR, 'kubeconfig')}`,
      `export PATH=${join(SANDBOX_DIR, 'bin')}:$PATH`,
      `export AWS_ENDPOINT_URL=${aws.endpoint}`,
      `export AWS_REGION=${aws.region}`,
      `export AWS_DEFAULT_REGION=${aws.region}`,
      `export AWS_ACCESS_KEY_ID=${aws.accessKeyId}`,
      `export AWS_SECRET_ACCESS_KEY=${aws.secretAccessKey}`,
      `export DATABASE_URL=${pg.url}`,
      `export PDNS_API_URL=${stack.pdns!.apiUrl}`,
      `export PDNS_API_KEY=${stack.pdns!.apiKey}`,
      // mooring doctor (and a mooring run of your own) load the same plugin as the sandbox's operator.
      `export MOORING_PROVIDERS=${POWERDNS_PLUGIN}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
}

// A free port for /metrics and the probes: the operator logs its URL at start, and sandboxes
// (and tests) side by side never fight over :8080.
function startOperator(kubeconfig: string): ChildProcess {
  const args = ['run', '--kubeconfig', kubeconfig, '--log-format', 'pretty', '--bind-address', '127.0.0.1:0', '--providers', POWERDNS_PLUGIN, '--credentials-namespaces', OPERATOR_NAMESPACE];
  // Bundled, with the image's V8 flags and environment: the sandbox's operator is the image's, and
  // uses the memory a cluster's would.
  const main = buildBundle(join(SANDBOX_DIR, 'dist'));
  return spawn(process.execPath, [...OPERATOR_V8_FLAGS, main, ...args], {
    env: { ...OPERATOR_ENV, ...process.env },
    stdio: 'inherit',
    detached: true, // its own group: Ctrl-C reaches us, and we stop it first, in order
  });
}

async function stopOperator(operator: ChildProcess): Promise<void> {
  if (operator.exitCode !== null || operator.signalCode !== null) return;
  const exited = new Promise((r) => operator.once('exit', r));
  operator.kill('SIGTERM');
  const timer = setTimeout(() => operator.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function readRows(kc: KubeConfig, objects: KubernetesObject[]): Promise<ResourceRow[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return Promise.all(
    objects.map(async (o) => {
      try {
        const live = await api.read(o as KubernetesObject & { metadata: { name: string } });
        return { object: live };
      } catch (err) {
        return { object: o, error: (err as Error).message };
      }
    }),
  );
}

async function waitReady(kc: KubeConfig, objects: KubernetesObject[], timeoutMs: number): Promise<ResourceRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await readRows(kc, objects);
    if (summarize(rows).allReady || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function printReach(stack: Stack): void {
  const rel = relative(process.cwd(), SANDBOX_DIR) || '.';
  say('everything is up:');
  say(`  kube-apiserver  ${stack.kube!.url}   kubectl --kubeconfig ${rel}/kubeconfig get buckets`);
  say(`  AWS emulator    ${stack.aws!.endpoint}   (S3 path-style, Route 53, RDS; any credentials)`);
  say(`  PostgreSQL      postgres://postgres:***@${stack.postgres!.host}:${stack.postgres!.port}/postgres  (full URL in ${rel}/env)`);
  say(`  PowerDNS        API ${stack.pdns!.apiUrl} (key in ${rel}/env), DNS on 127.0.0.1:${stack.pdns!.dnsPort}   dig @127.0.0.1 -p ${stack.pdns!.dnsPort} www.${SANDBOX_PDNS_ZONE}`);
  say(`  source ${rel}/env   sets KUBECONFIG, PATH (kubectl, psql), AWS_ENDPOINT_URL, AWS credentials, DATABASE_URL, PDNS_API_URL, PDNS_API_KEY and MOORING_PROVIDERS`);
  say(`  a Database's login: psql "$(kubectl get secret team-a-orders-connection -n team-a -o jsonpath='{.data.uri}' | base64 -d)"`);
  say('Ctrl-C stops the operator and the whole stack.');
}

/** With --once: every example Database's Secret must let psql log in, as a user would. */
async function psqlConnects(kc: KubeConfig, examples: KubernetesObject[]): Promise<boolean> {
  const core = kc.makeApiClient(CoreV1Api);
  let ok = true;
  for (const db of examples.filter((o) => o.kind === 'Database')) {
    const { name, namespace } = db.metadata as { name: string; namespace: string };
    const secretName = (db as { spec?: { writeConnectionSecretToRef?: { name?: string } } }).spec?.writeConnectionSecretToRef?.name ?? `${name}-connection`;
    const secret = await core.readNamespacedSecret({ namespace, name: secretName });
    const uri = Buffer.from(secret.data?.uri ?? '', 'base64').toString('utf8');
    const result = await new Promise<string | undefined>((resolve) => {
      // The URI goes as an argument, never through a shell; psql's output is checked, not shown.
      execFile(join(binaries().postgresBin, 'psql'), [uri, '-XAtc', 'SELECT current_user'], { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout.trim()));
    });
    if (result) say(`psql connects to Database ${namespace}/${name} with the Secret ${secretName} (as ${result})`);
    else say(`psql could not connect to Database ${namespace}/${name} with the Secret ${secretName}`);
    ok &&= Boolean(result);
  }
  return ok;
}

/** With --once: every example DNSRecord on PowerDNS must resolve through pdns_server, as a user would ask it. */
async function pdnsResolves(stack: Stack, examples: KubernetesObject[]): Promise<boolean> {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([`127.0.0.1:${stack.pdns!.dnsPort}`]);
  let ok = true;
  for (const r of examples.filter((o) => o.kind === 'DNSRecord' && (o as { spec?: { providerConfigRef?: { name?: string } } }).spec?.providerConfigRef?.name === 'powerdns')) {
    const { spec } = r as unknown as { spec: { zone: { name: string }; name: string; type: string } };
    const name = spec.name === '@' ? spec.zone.name : `${spec.name}.${spec.zone.name}`;
    const answers: unknown = await resolver.resolve(name, spec.type).catch((err: NodeJS.ErrnoException) => err.code ?? 'no answer');
    const found = Array.isArray(answers) && answers.length > 0;
    say(`${spec.type} ${name} ${found ? 'resolves' : 'does not resolve'} through pdns_server: ${JSON.stringify(answers)}`);
    ok &&= found;
  }
  return ok;
}

export async function sandbox(argv: string[]): Promise<number> {
  const options = parse(argv);
  if (options.ports.kube) await checkPortFree(options.ports.kube, '--kube-port');
  if (options.ports.aws) await checkPortFree(options.ports.aws, '--aws-port');
  if (options.ports.postgres) await checkPortFree(options.ports.postgres, '--pg-port');
  say('starting kube-apiserver + etcd, the AWS emulator, PostgreSQL and PowerDNS (the first run builds them: see README)');
  const stack = await startStack({
    ports: options.ports,
    log: say,
    components: options.awsEndpoint ? ['kube', 'postgres', 'pdns'] : ['kube', 'aws', 'postgres', 'pdns'],
  });
  if (options.awsEndpoint) stack.aws = { endpoint: options.awsEndpoint, region: 'us-east-1', ...EMULATOR_CREDENTIALS };
  let operator: ChildProcess | undefined;
  const stopAll = async () => {
    if (operator) await stopOperator(operator);
    await stack.stop();
    rmSync(join(SANDBOX_DIR, 'env'), { force: true });
  };
  stopOnSignals(stack, async () => {
    if (operator) await stopOperator(operator);
  });
  try {
    writeSandboxFiles(stack);
    const kc = new KubeConfig();
    kc.loadFromFile(stack.kube!.kubeconfig);
    const crds = readManifests(join(ROOT, 'crds'));
    await applyObjects(kc, crds);
    await waitForCrds(kc, crds.map((c) => c.metadata!.name!));
    say(`installed ${crds.length} CRDs`);
    await applyObjects(kc, sandboxObjects(stack));
    await ensureHostedZone(stack, SANDBOX_ZONE);
    await ensurePdnsZone(stack.pdns!, SANDBOX_PDNS_ZONE);
    operator = startOperator(stack.kube!.kubeconfig);
    // Users' own ProviderConfigs point at a real cloud; the sandbox supplies its own instead.
    const examples = readManifests(join(ROOT, 'deploy', 'examples')).filter((o) => o.kind !== 'ProviderConfig');
    await applyObjects(kc, examples);
    say(`applied ${examples.length} example resources from deploy/examples/`);
    if (!options.once) {
      printReach(stack);
      await new Promise<void>((resolve) => operator!.once('exit', () => resolve()));
      say('the operator exited; stopping the stack');
      await stopAll();
      return 1;
    }
    const rows = await waitReady(kc, examples.filter((o) => o.apiVersion === API_VERSION), options.timeoutMs);
    console.log(renderTable(rows));
    const summary = summarize(rows);
    if (!summary.allReady) for (const line of summary.failures) say(line);
    const connected = summary.allReady && (await psqlConnects(kc, examples)) && (await pdnsResolves(stack, examples));
    await stopAll();
    return connected ? 0 : 1;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
