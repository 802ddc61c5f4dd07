// The chaos run's view of the world, from outside the operator: the apiserver (directly, not
// through the watch-breaking proxy), the emulator's real endpoint (never the fault proxy), and
// PostgreSQL as the admin. Also the run's own namespace, ProviderConfigs and hosted zone, and a
// second tenant's namespace with configs granted to it alone (the run must never use them).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import type { StackInfo } from '../../src/stack/index.ts';
import { installCrds, objects } from '../support/kube.ts';
import { TcpProxy } from './tcpproxy.ts';

/** Who the oracle's PostgreSQL sessions are, so cutting "the operator's connections" spares them. */
export const ORACLE_APPLICATION = 'mooring-chaos-oracle';

export interface World {
  info: StackInfo;
  /** Short id naming everything of this run (namespace, ownership id, names). */
  runId: string;
  namespace: string;
  ownershipId: string;
  /** The run's configs with adoption Allowed (what the population uses unless a slot says otherwise). */
  awsPc: string;
  pgPc: string;
  /** Granted to the run's namespace too, with the default policy: adoption Forbidden. */
  strictAwsPc: string;
  strictPgPc: string;
  /**
   * Straight at the emulator's endpoint with the sandbox's own settings (src/cli/sandbox.ts: no
   * route53ChangeGuards, so none relied on), adoption Allowed: the DNSRecords of the direct slots.
   */
  directAwsPc: string;
  /** Another tenant: its namespace and configs (same account, same ownership id), never granted to the run's. */
  other: OtherTenant;
  zoneName: string;
  zoneId: string;
  kc: KubeConfig;
  core: CoreV1Api;
  s3: S3Client;
  r53: Route53Client;
  rds: RDSClient;
  pg: pg.Pool;
  /** Values that must never appear in a log line, Event or status (grows as Secrets are read). */
  secrets: Set<string>;
  kinds: { buckets: ReturnType<typeof objects>; dnsrecords: ReturnType<typeof objects>; databases: ReturnType<typeof objects> };
  close(): Promise<void>;
}

/**
 * The cloud's limit the storm check holds S3 and RDS to (requests in any one second), and the
 * rate the run's aws ProviderConfig asks for: 10% under it, as mooring keeps under Route 53's 5/s
 * (a limiter spacing requests at exactly 1/20 s lets a 21st arrive within the second).
 */
export const AWS_REQUESTS_PER_SECOND = 20;
const CONFIGURED_REQUESTS_PER_SECOND = 18;

export interface OtherTenant {
  namespace: string;
  awsPc: string;
  pgPc: string;
  /**
   * Its configs reach the emulator and PostgreSQL only through these: once its own assets are
   * made, any connection through them is a use of a config the run's namespace was not granted.
   */
  awsProxy: TcpProxy;
  pgProxy: TcpProxy;
  /** Its cloud secret key: a value the secret scans look for too. */
  secretAccessKey: string;
}

export async function createWorld(info: StackInfo, runId: string): Promise<World> {
  const kc = new KubeConfig();
  kc.loadFromFile(info.kube!.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await installCrds(kc);
  const namespace = `chaos-${runId}`;
  const ownershipId = `chaos-${runId}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const aws = info.aws!;
  // Credentials of our own (the emulator takes any): a value the secret scan can look for.
  const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString('base64url');
  const awsPc = `${namespace}-aws`;
  const pgPc = `${namespace}-pg`;
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${awsPc}-creds` }, stringData: { accessKeyId, secretAccessKey } } });
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${pgPc}-admin` }, stringData: { url: info.postgres!.url } } });
  const providerConfig = (name: string, spec: Record<string, unknown>) =>
    custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'providerconfigs', body: { apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name }, spec: { ownershipId, grants: { namespaces: [namespace] }, policy: { adoption: 'Allowed' }, ...spec } } });
  const awsSpec = (endpoint: string | undefined, secret: string) => ({
    type: 'aws', region: aws.region, endpoint,
    credentials: { source: 'Secret', secretRef: { namespace: 'default', name: secret } },
    settings: { forcePathStyle: 'true' },
  });
  const pgSpec = (secret: string) => ({ type: 'postgres', credentials: { source: 'Secret', secretRef: { namespace: 'default', name: secret } } });
  await providerConfig(awsPc, { ...awsSpec(aws.proxyEndpoint, `${awsPc}-creds`), rateLimits: { requestsPerSecond: CONFIGURED_REQUESTS_PER_SECOND } });
  await providerConfig(pgPc, pgSpec(`${pgPc}-admin`));
  // The default policy (no `policy`): adoption Forbidden. The emulator's own endpoint, not the
  // fault proxy: the proxy's per-second peaks hold one config's limiter, not two.
  const strictAwsPc = `${namespace}-aws-strict`;
  const strictPgPc = `${namespace}-pg-strict`;
  const noPolicy = { policy: undefined };
  await providerConfig(strictAwsPc, { ...awsSpec(aws.endpoint, `${awsPc}-creds`), ...noPolicy });
  await providerConfig(strictPgPc, { ...pgSpec(`${pgPc}-admin`), ...noPolicy });
  // As the sandbox sets up its `aws` config: the emulator's endpoint, forcePathStyle and nothing
  // else, so Route 53 batches go out as they do there (moto keeps none of Route 53's change guards).
  const directAwsPc = `${namespace}-aws-direct`;
  await providerConfig(directAwsPc, awsSpec(aws.endpoint, `${awsPc}-creds`));
  const other = await otherTenant(info, core, providerConfig, namespace, awsSpec, pgSpec);

  const direct = { endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } };
  const s3 = new S3Client({ ...direct, forcePathStyle: true });
  const r53 = new Route53Client(direct);
  const rds = new RDSClient(direct);
  const zoneName = `${namespace}.test.`;
  const zone = await r53.send(new CreateHostedZoneCommand({ Name: zoneName, CallerReference: `${namespace}-${Date.now()}` }));
  const pool = new pg.Pool({ connectionString: info.postgres!.url, max: 3, application_name: ORACLE_APPLICATION });
  pool.on('error', () => undefined); // an idle oracle session cut by a fault: the pool replaces it
  const secrets = new Set([secretAccessKey, other.secretAccessKey, info.postgres!.password]);
  return {
    info, runId, namespace, ownershipId, awsPc, pgPc, strictAwsPc, strictPgPc, directAwsPc, other, zoneName,
    zoneId: zone.HostedZone!.Id!.replace('/hostedzone/', ''),
    kc, core, s3, r53, rds, pg: pool, secrets,
    kinds: { buckets: objects(kc, 'buckets'), dnsrecords: objects(kc, 'dnsrecords'), databases: objects(kc, 'databases') },
    close: async () => {
      s3.destroy();
      r53.destroy();
      rds.destroy();
      await pool.end();
      await other.awsProxy.stop();
      await other.pgProxy.stop();
    },
  };
}

/**
 * The other tenant: a namespace of its own, and an aws and a postgres config granted to it alone
 * (adoption Allowed, so a grant bypassed would cost the most), same account and ownership id as
 * the run's, reaching the backends through counting pass-throughs.
 */
async function otherTenant(
  info: StackInfo, core: CoreV1Api, providerConfig: (name: string, spec: Record<string, unknown>) => Promise<unknown>, runNamespace: string,
  awsSpec: (endpoint: string, secret: string) => Record<string, unknown>, pgSpec: (secret: string) => Record<string, unknown>,
): Promise<OtherTenant> {
  const namespace = `${runNamespace}-other`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const awsProxy = await TcpProxy.start(Number(new URL(info.aws!.endpoint).port));
  const pgProxy = await TcpProxy.start(info.postgres!.port);
  const awsPc = `${namespace}-aws`;
  const pgPc = `${namespace}-pg`;
  const url = new URL(info.postgres!.url);
  url.hostname = '127.0.0.1';
  url.port = String(pgProxy.port);
  const keys = { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(20).toString('base64url') };
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${awsPc}-creds` }, stringData: keys } });
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${pgPc}-admin` }, stringData: { url: url.toString() } } });
  const grants = { grants: { namespaces: [namespace] } };
  await providerConfig(awsPc, { ...awsSpec(`http://127.0.0.1:${awsProxy.port}`, `${awsPc}-creds`), ...grants });
  await providerConfig(pgPc, { ...pgSpec(`${pgPc}-admin`), ...grants });
  return { namespace, awsPc, pgPc, awsProxy, pgProxy, secretAccessKey: keys.secretAccessKey };
}

/** A copy of the stack's kubeconfig whose server is `port` on loopback (the watch-breaking proxy). */
export function kubeconfigVia(info: StackInfo, port: number, file: string): string {
  const text = readFileSync(info.kube!.kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

export const stackFile = (info: StackInfo, name: string) => join(info.dir, name);

const TRANSIENT = /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|ETIMEDOUT|other side closed|fetch failed|terminated|timeout|Connection terminated/i;

/**
 * Runs a call to the apiserver or a backend, retrying while it is briefly away (an apiserver
 * restart, a cut connection) or answers 5xx/429; other errors are thrown at once.
 */
export async function retrying<T>(fn: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 200; ; delay = Math.min(delay * 2, 3000)) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: number | string }).code;
      const transient = (typeof code === 'number' && (code >= 500 || code === 429)) || TRANSIENT.test(`${String(code)} ${(err as Error).message}`);
      if (!transient || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
