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
  const running = new Running(binaries());
  try {
    const started = Date.now();
    await running.start(components, options.ports ?? {});
    log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (${components.join(', ')}) in ${running.dir}`);
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running.stack();
}

/**
 * The servers of one stack, in one folder, watched by a detached reaper that stops them when the
 * launching process dies without calling stop().
 */
class Running {
  readonly dir = mkdtempSync(join(tmpdir(), 'mooring-stack-'));
  private readonly servers: Server[] = [];
  private readonly stateFile: string;
  private etcd: Etcd | undefined;
  private api: ApiServer | undefined;
  private aws: Emulator | undefined;
  private pg: Postgres | undefined;
  private pdns: PowerDns | undefined;
  private proxy: ProxyThread | undefined;
  private certs: ControlPlaneCerts | undefined;
  private stopped = false;
  private readonly bins: ReturnType<typeof binaries>;

  constructor(bins: ReturnType<typeof binaries>) {
    this.bins = bins;
    chmodSync(this.dir, 0o711); // postgres runs as its own user and must reach its folder inside
    this.stateFile = join(this.dir, '..', `${this.dir.split('/').pop()}.reaper.json`);
    this.writeState();
    const reaper = spawn(process.execPath, [join(import.meta.dirname, 'reaper.ts'), String(process.pid), this.stateFile], {
      detached: true,
      stdio: 'ignore',
    });
    reaper.unref();
    process.on('exit', this.onExit);
  }

  async start(components: Component[], ports: NonNullable<StackOptions['ports']>): Promise<void> {
    const { bins, dir } = this;
    const kube = async () => {
      const [e, c] = await Promise.all([startEtcd(bins.etcd, dir).then(this.track), makeCerts(dir)]);
      this.etcd = e;
      this.certs = c;
      this.api = this.track(await startApiServer(bins.kubeApiserver, dir, e.url, c, ports.kube));
    };
    const emulator = async () => {
      this.aws = this.track(await startMoto(bins.motoServer, dir, ports.aws));
      this.proxy = await startFaultProxyThread(this.aws.endpoint);
    };
    const postgres = async () => {
      this.pg = this.track(await startPostgres(bins.postgresBin, dir, ports.postgres));
    };
    const powerdns = async () => {
      this.pdns = this.track(await startPdns(bins.pdnsServer, bins.pdnsSqliteSchema, dir, ports.pdns));
    };
    const parts: Record<Component, () => Promise<void>> = { kube, aws: emulator, postgres, pdns: powerdns };
    await Promise.all(components.map((c) => parts[c]()));
  }

  readonly stop = async (): Promise<void> => {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.onExit);
    // The apiserver first, so it does not log a storm of etcd errors while going down.
    if (this.api) await this.api.server.stop();
    await Promise.all([...this.servers.map((s) => s.stop()), this.proxy?.stop()]);
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.stateFile, { force: true }); // tells the reaper the stop was clean
  };

  /** The stack as its users see it: endpoints, credentials, stop and the chaos tests' restart. */
  stack(): Stack {
    const { api, aws, proxy, pg, pdns } = this;
    const stack: Stack = { dir: this.dir, pids: this.servers.map((s) => s.pid), stop: this.stop, restartApiServer: () => this.restartApiServer(stack) };
    if (api) stack.kube = { url: api.url, kubeconfig: api.kubeconfig };
    if (aws) {
      stack.aws = { endpoint: aws.endpoint, region: aws.region, accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey };
      if (proxy) stack.aws.proxyEndpoint = proxy.endpoint;
    }
    if (pg) stack.postgres = { url: pg.url, host: pg.host, port: pg.port, user: pg.user, password: pg.password };
    if (pdns) stack.pdns = { apiUrl: pdns.apiUrl, apiKey: pdns.apiKey, dnsPort: pdns.dnsPort };
    return stack;
  }

  private async restartApiServer(stack: Stack): Promise<void> {
    const { api, etcd, certs } = this;
    if (!api || !etcd || !certs) throw new Error('the stack has no apiserver');
    const port = Number(new URL(api.url).port);
    await api.server.stop();
    this.servers.splice(this.servers.indexOf(api.server), 1);
    // The same certificates: clients holding the kubeconfig (a running operator) keep trusting it.
    this.api = this.track(await startApiServer(this.bins.kubeApiserver, this.dir, etcd.url, certs, port));
    stack.pids = this.servers.map((s) => s.pid);
  }

  private readonly track = <T extends { server: Server }>(part: T): T => {
    this.servers.push(part.server);
    this.writeState();
    return part;
  };

  private writeState(): void {
    const state: ReaperState = { pgids: this.servers.map((s) => s.pid), dirs: [this.dir] };
    writeFileSync(this.stateFile, JSON.stringify(state));
  }

  // Last resort when the process exits without awaiting stop(): no async work is possible here.
  private readonly onExit = (): void => {
    for (const s of this.servers) {
      try {
        process.kill(-s.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.stateFile, { force: true });
  };
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
