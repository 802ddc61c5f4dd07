// The one idempotent setup step: builds or installs every part of the test stack that is missing
// from the cache, and nothing else. Each part lands in a temp folder first and is renamed into
// place, so an interrupted build never counts as cached.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from './exec.ts';
import { checkDisk, checkGo, checkPdns, checkPostgres, checkPython, EnvironmentError } from './preflight.ts';
import {
  binaries,
  cacheRoot,
  ETCD_VERSION,
  GO_MINIMUM,
  GO_MODULE_DIRS,
  HELM_VERSION,
  KUBE_VERSION,
  MOTO_VERSION,
  PDNS_PACKAGES,
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

/** One Go command from a wrapper module under src/stack/go, built into the cache once. */
interface GoCommand {
  name: string;
  version: string;
  binary: string;
  moduleDir: string;
  /** The package to build, from inside the module. */
  pkg: string;
  ldflags: string;
}

async function ensureGoCommand(command: GoCommand, log: Log): Promise<void> {
  if (existsSync(command.binary)) return;
  checkGo(GO_MINIMUM);
  checkDisk(cacheRoot(), 2 * GIB, `building ${command.name}`);
  log(`building ${command.name} ${command.version} from source (first run only, about 2-4 minutes)`);
  await buildInto(dirname(command.binary), async (tmp) => {
    await run('go', ['build', '-trimpath', '-ldflags', command.ldflags, '-o', join(tmp, command.name), command.pkg], {
      cwd: command.moduleDir,
      env: goEnv(),
    });
  });
}

const ensureEtcd = (log: Log) =>
  ensureGoCommand({
    name: 'etcd', version: ETCD_VERSION, binary: binaries().etcd, moduleDir: GO_MODULE_DIRS.etcd, pkg: '.',
    ldflags: `-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_VERSION}`,
  }, log);

// helm renders the chart in deploy/helm (its tests and `mooring generate`'s manifests); no
// prebuilt release can be downloaded here, so it is built like etcd.
const ensureHelm = (log: Log) =>
  ensureGoCommand({
    name: 'helm', version: HELM_VERSION, binary: binaries().helm, moduleDir: GO_MODULE_DIRS.helm, pkg: 'helm.sh/helm/v3/cmd/helm',
    ldflags: `-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
  }, log);

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

/** Installs Debian packages with apt-get; only as root, else the preflight's advice stands. */
async function aptInstall(packages: string[], log: Log): Promise<void> {
  log(`installing ${packages.join(' ')} from Debian's packages`);
  try {
    await run('apt-get', ['update', '-qq']);
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (err) {
    throw new EnvironmentError(
      `apt-get could not install ${packages.join(' ')}: ${(err as Error).message.split('\n')[0]}`,
      `install by hand: apt-get update && apt-get install -y ${packages.join(' ')}`,
    );
  }
}

/** Runs the check; when it fails and we are root, installs the packages and checks again. */
async function ensurePackages(check: () => void, packages: string[], log: Log): Promise<void> {
  try {
    check();
    return;
  } catch (err) {
    if (process.getuid?.() !== 0) throw err;
  }
  await aptInstall(packages, log);
  check();
}

async function ensurePostgres(log: Log): Promise<void> {
  await ensurePackages(() => checkPostgres(binaries().postgresBin), [`postgresql-${POSTGRES_MAJOR}`], log);
}

async function ensurePdns(log: Log): Promise<void> {
  const bins = binaries();
  await ensurePackages(() => checkPdns(bins.pdnsServer, bins.pdnsSqliteSchema), PDNS_PACKAGES, log);
}

export type Part = 'kube' | 'etcd' | 'helm' | 'moto' | 'postgres' | 'pdns';
export const ALL_PARTS: Part[] = ['etcd', 'kube', 'helm', 'moto', 'postgres', 'pdns'];

/** Makes sure every part named is built or installed; cheap when everything is cached. */
export async function setup(parts: Part[] = ALL_PARTS, log: Log = (l) => console.error(`[setup] ${l}`)): Promise<void> {
  const steps: Record<Part, (log: Log) => Promise<void>> = {
    etcd: ensureEtcd,
    kube: ensureKube,
    helm: ensureHelm,
    moto: ensureMoto,
    postgres: ensurePostgres,
    pdns: ensurePdns,
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
