// The stack launcher, used by the tests and by the sandbox alike: a real kube-apiserver on etcd,
// the AWS API emulator, PostgreSQL and PowerDNS, each on free loopback ports, stopped in order on stop(),
// on Ctrl-C, and by a detached reaper when the launching process dies without stopping them.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from './apiserver.ts';
import { makeCerts, type ControlPlaneCerts } from './certs.ts';
import { startEtcd, type Etcd } from './etcd.ts';
import { startFaultProxyThread, type ProxyThread } from './faultproxy-worker.ts';
import { startMoto, type Emulator } from './moto.ts';
import { startPdns, type PowerDns } from './pdns.ts';
import { startPostgres, type Postgres } from './postgres.ts';
import type { Server } from './process.ts';
import type { ReaperState } from './reaper.ts';
import { setup, type Part } from './setup.ts';
import { binaries } from './versions.ts';

export type Component = 'kube' | 'aws' | 'postgres' | 'pdns';
export const ALL_COMPONENTS: Component[] = ['kube', 'aws', 'postgres', 'pdns'];

export interface StackOptions {
  components?: Component[];
  /** Fixed ports (the sandbox's flags); free ones are chosen otherwise. */
  ports?: { kube?: number; aws?: number; postgres?: number; pdns?: number };
  log?: (line: string) => void;
}

/** What a running stack offers; also written as JSON for test files run in other processes. */
export interface StackInfo {
  dir: string;
  kube?: { url: string; kubeconfig: string };
  aws?: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    /**
     * The fault-injecting proxy in front of the emulator (src/stack/faultproxy.ts): point a
     * ProviderConfig here to meet the strict, unreliable cloud; drive it with FaultProxyClient.
     */
    proxyEndpoint?: string;
  };
  postgres?: { url: string; host: string; port: number; user: string; password: string };
  /** PowerDNS Authoritative (sqlite3 backend): its HTTP API (X-API-Key: apiKey) and DNS on 127.0.0.1:dnsPort. */
  pdns?: { apiUrl: string; apiKey: string; dnsPort: number };
  pids: number[];
}

export interface Stack extends StackInfo {
  stop: () => Promise<void>;
  /** Restarts kube-apiserver on the same port and data (chaos tests). */
  restartApiServer: () => Promise<void>;
}

const PARTS: Record<Component, Part[]> = { kube: ['etcd', 'kube'], aws: ['moto'], postgres: ['postgres'], pdns: ['pdns'] };

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const components = options.components ?? ALL_COMPONENTS;
  const log = options.log ?? (() => {});
  await setup(components.flatMap((c) => PARTS[c]), log);
  const bins = binaries();
  const dir = mkdtempSync(join(tmpdir(), 'mooring-stack-'));
  chmodSync(dir, 0o711); // postgres runs as its own user and must reach its folder inside
  const servers: Server[] = [];
  const stateFile = join(dir, '..', `${dir.split('/').pop()}.reaper.json`);
  const writeState = () => {
    const state: ReaperState = { pgids: servers.map((s) => s.pid), dirs: [dir] };
    writeFileSync(stateFile, JSON.stringify(state));
  };
  writeState();
  const reaper = spawn(process.execPath, [join(import.meta.dirname, 'reaper.ts'), String(process.pid), stateFile], {
    detached: true,
    stdio: 'ignore',
  });
  reaper.unref();
  const track = <T extends { server: Server }>(part: T): T => {
    servers.push(part.server);
    writeState();
    return part;
  };

  let etcd: Etcd | undefined;
  let api: ApiServer | undefined;
  let aws: Emulator | undefined;
  let pg: Postgres | undefined;
  let pdns: PowerDns | undefined;
  let proxy: ProxyThread | undefined;
  let certs: ControlPlaneCerts | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    // The apiserver first, so it does not log a storm of etcd errors while going down.
    if (api) await api.server.stop();
    await Promise.all([...servers.map((s) => s.stop()), proxy?.stop()]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateFile, { force: true }); // tells the reaper the stop was clean
  };
  // Last resort when the process exits without awaiting stop(): no async work is possible here.
  const onExit = () => {
    for (const s of servers) {
      try {
        process.kill(-s.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateFile, { force: true });
  };
  process.on('exit', onExit);

  try {
    const started = Date.now();
    const kube = async () => {
      if (!components.includes('kube')) return;
      const [e, c] = await Promise.all([startEtcd(bins.etcd, dir).then(track), makeCerts(dir)]);
      etcd = e;
      certs = c;
      api = track(await startApiServer(bins.kubeApiserver, dir, e.url, c, options.ports?.kube));
    };
    const emulator = async () => {
      if (!components.includes('aws')) return;
      aws = track(await startMoto(bins.motoServer, dir, options.ports?.aws));
      proxy = await startFaultProxyThread(aws.endpoint);
    };
    const postgres = async () => {
      if (components.includes('postgres')) pg = track(await startPostgres(bins.postgresBin, dir, options.ports?.postgres));
    };
    const powerdns = async () => {
      if (components.includes('pdns')) pdns = track(await startPdns(bins.pdnsServer, bins.pdnsSqliteSchema, dir, options.ports?.pdns));
    };
    await Promise.all([kube(), emulator(), postgres(), powerdns()]);
    log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (${components.join(', ')}) in ${dir}`);
  } catch (err) {
    await stop();
    throw err;
  }

  const stack: Stack = {
    dir,
    pids: servers.map((s) => s.pid),
    stop,
    restartApiServer: async () => {
      if (!api || !etcd || !certs) throw new Error('the stack has no apiserver');
      const port = Number(new URL(api.url).port);
      await api.server.stop();
      servers.splice(servers.indexOf(api.server), 1);
      // The same certificates: clients holding the kubeconfig (a running operator) keep trusting it.
      api = track(await startApiServer(bins.kubeApiserver, dir, etcd.url, certs, port));
      stack.pids = servers.map((s) => s.pid);
    },
  };
  if (api) stack.kube = { url: api.url, kubeconfig: api.kubeconfig };
  if (aws) {
    stack.aws = { endpoint: aws.endpoint, region: aws.region, accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey };
    if (proxy) stack.aws.proxyEndpoint = proxy.endpoint;
  }
  if (pg) stack.postgres = { url: pg.url, host: pg.host, port: pg.port, user: pg.user, password: pg.password };
  if (pdns) stack.pdns = { apiUrl: pdns.apiUrl, apiKey: pdns.apiKey, dnsPort: pdns.dnsPort };
  return stack;
}

/** Stops the stack on Ctrl-C / SIGTERM, then exits with the conventional code. */
export function stopOnSignals(stack: Stack, beforeStop?: () => Promise<void>): void {
  const handler = (signal: NodeJS.Signals) => {
    void (async () => {
      await beforeStop?.().catch(() => {});
      await stack.stop();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    })();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

export function stackInfo(stack: Stack): StackInfo {
  const { stop: _stop, restartApiServer: _restart, ...info } = stack;
  return info;
}
