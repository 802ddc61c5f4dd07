// The one idempotent setup step: builds or installs every part of the test stack that is missing
// from the cache, and nothing else. Each part lands in a temp folder first and is renamed into
// place, so an interrupted build never counts as cached.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from './exec.ts';
import { checkDisk, checkGo, checkPostgres, checkPython, EnvironmentError } from './preflight.ts';
import {
  binaries,
  cacheRoot,
  ETCD_VERSION,
  GO_MINIMUM,
  GO_MODULE_DIRS,
  KUBE_VERSION,
  MOTO_VERSION,
  POSTGRES_MAJOR,
} from './versions.ts';

const GIB = 2 ** 30;
type Log = (line: string) => void;

/** Builds into a fresh folder beside `finalDir`, then renames it into place. */
export async function buildInto(finalDir: string, build: (tmp: string) => Promise<void>): Promise<void> {
  mkdirSync(dirname(finalDir), { recursive: true });
  const tmp = mkdtempSync(`${finalDir}.partial-`);
  try {
    await build(tmp);
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(tmp, finalDir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function goEnv(): NodeJS.ProcessEnv {
  // GOTOOLCHAIN=local: never let Go try to download a toolchain (no internet here).
  return { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' };
}

function kubeLdflags(): string {
  const [, major, minor] = /^v(\d+)\.(\d+)/.exec(KUBE_VERSION) ?? [];
  const vars = (pkg: string) =>
    [`gitVersion=${KUBE_VERSION}`, `gitMajor=${major}`, `gitMinor=${minor}`, 'gitTreeState=clean', 'buildDate=1970-01-01T00:00:00Z']
      .map((kv) => `-X ${pkg}.${kv}`)
      .join(' ');
  return `-s -w ${vars('k8s.io/component-base/version')} ${vars('k8s.io/client-go/pkg/version')}`;
}

async function ensureKube(log: Log): Promise<void> {
  const bins = binaries();
  if (existsSync(bins.kubeApiserver) && existsSync(bins.kubectl)) return;
  checkGo(GO_MINIMUM);
  checkDisk(cacheRoot(), 4 * GIB, 'building kube-apiserver (module and build caches)');
  log(`building kube-apiserver and kubectl ${KUBE_VERSION} from source (first run only, about 5-10 minutes)`);
  await buildInto(dirname(bins.kubeApiserver), async (tmp) => {
    const args = ['build', '-trimpath', '-ldflags', kubeLdflags(), '-o', `${tmp}/`];
    await run('go', [...args, 'k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kubectl'], {
      cwd: GO_MODULE_DIRS.kube,
      env: goEnv(),
    });
  });
}

async function ensureEtcd(log: Log): Promise<void> {
  const bins = binaries();
  if (existsSync(bins.etcd)) return;
  checkGo(GO_MINIMUM);
  checkDisk(cacheRoot(), 2 * GIB, 'building etcd');
  log(`building etcd ${ETCD_VERSION} from source (first run only, about 2 minutes)`);
  await buildInto(dirname(bins.etcd), async (tmp) => {
    const ldflags = `-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_VERSION}`;
    await run('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', join(tmp, 'etcd'), '.'], {
      cwd: GO_MODULE_DIRS.etcd,
      env: goEnv(),
    });
  });
}

async function ensureMoto(log: Log): Promise<void> {
  const bins = binaries();
  if (existsSync(bins.motoServer)) return;
  checkPython();
  checkDisk(cacheRoot(), 1 * GIB, 'the emulator virtualenv');
  log(`installing moto[server] ${MOTO_VERSION} into a virtualenv (first run only, about 1 minute)`);
  const venvHome = dirname(dirname(dirname(bins.motoServer)));
  // A virtualenv embeds its own path, so it is made where it will live; the marker is the binary.
  rmSync(venvHome, { recursive: true, force: true });
  mkdirSync(venvHome, { recursive: true });
  await run('python3', ['-m', 'venv', join(venvHome, 'venv')]);
  await run(join(venvHome, 'venv', 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`]);
}

async function ensurePostgres(log: Log): Promise<void> {
  const bins = binaries();
  try {
    checkPostgres(bins.postgresBin);
    return;
  } catch (err) {
    if (process.getuid?.() !== 0) throw err;
  }
  log(`installing postgresql-${POSTGRES_MAJOR} from Debian's packages`);
  try {
    await run('apt-get', ['update', '-qq']);
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', `postgresql-${POSTGRES_MAJOR}`], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (err) {
    throw new EnvironmentError(
      `apt-get could not install postgresql-${POSTGRES_MAJOR}: ${(err as Error).message.split('\n')[0]}`,
      `install it by hand: apt-get update && apt-get install -y postgresql-${POSTGRES_MAJOR}`,
    );
  }
  checkPostgres(bins.postgresBin);
}

export type Part = 'kube' | 'etcd' | 'moto' | 'postgres';
export const ALL_PARTS: Part[] = ['etcd', 'kube', 'moto', 'postgres'];

/** Makes sure every part named is built or installed; cheap when everything is cached. */
export async function setup(parts: Part[] = ALL_PARTS, log: Log = (l) => console.error(`[setup] ${l}`)): Promise<void> {
  const steps: Record<Part, (log: Log) => Promise<void>> = {
    etcd: ensureEtcd,
    kube: ensureKube,
    moto: ensureMoto,
    postgres: ensurePostgres,
  };
  // Sequential on purpose: the Go builds each use every core, and apt holds a global lock.
  for (const part of parts) await steps[part](log);
}

if (import.meta.main) {
  const started = Date.now();
  try {
    await setup();
    console.error(`[setup] the test stack is ready in ${cacheRoot()} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    console.error(err instanceof EnvironmentError ? `[setup] ${err.message}` : err);
    process.exit(1);
  }
}
