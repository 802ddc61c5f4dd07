// Builds the peer, external-dns, into the stack's cache the first time the bench needs it: the
// module from the Go module proxy, copied, stripped of the parts whose dependencies the proxy
// refuses (patch.ts says which and why), built with the Go release its go.mod asks for. None of
// its code is kept in this repository; what was removed is recorded beside the binary.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildInto } from '../../../src/stack/setup.ts';
import { cacheRoot } from '../../../src/stack/versions.ts';
import { applyRemoval, removalsFor, type Removal } from './patch.ts';

export const VERSION = 'v0.23.0';
const MODULE = 'sigs.k8s.io/external-dns';
/** Its go.mod asks for Go 1.27; the go command fetches this toolchain through the proxy. */
const TOOLCHAIN = 'go1.27.3';
const CRD = 'config/crd/standard/dnsendpoints.externaldns.k8s.io.yaml';
const RECORD = 'build.json';

export interface ExternalDnsBuild {
  binary: string;
  /** The DNSEndpoint CRD of the same release. */
  crd: string;
  /** What the build removed (patch.ts's words); empty when the proxy served everything. */
  removed: string[];
}

const exec = promisify(execFile);
const env = (): NodeJS.ProcessEnv => ({ ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: TOOLCHAIN, GOFLAGS: '-mod=readonly -buildvcs=false' });

/** The cached build, made first when missing; throws saying exactly what blocked it. */
export async function ensureExternalDns(log: (line: string) => void): Promise<ExternalDnsBuild> {
  const dir = join(cacheRoot(), `external-dns-${VERSION}`);
  if (!existsSync(join(dir, RECORD))) {
    log(`building external-dns ${VERSION} through the Go module proxy (first run only, about 5-10 minutes)`);
    await buildInto(dir, build);
  }
  const { removed } = JSON.parse(readFileSync(join(dir, RECORD), 'utf8')) as { removed: string[] };
  return { binary: join(dir, 'external-dns'), crd: join(dir, 'dnsendpoints.yaml'), removed };
}

async function build(out: string): Promise<void> {
  const { entries: [pristine], stderr } = await download(out, [`${MODULE}@${VERSION}`]);
  if (!pristine?.Dir) throw new Error(`the Go module proxy did not serve ${MODULE}@${VERSION}: ${pristine?.Error ?? stderr}`);
  const src = join(out, 'src');
  cpSync(pristine.Dir, src, { recursive: true });
  await exec('chmod', ['-R', 'u+w', src]); // the module cache is read-only
  const removals = await strip(src);
  const ldflags = `-s -w -X ${MODULE}/pkg/apis/externaldns.Version=${VERSION}`;
  await exec('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', join(out, 'external-dns'), '.'], { cwd: src, env: env(), maxBuffer: 16 * 2 ** 20 });
  cpSync(join(src, CRD), join(out, 'dnsendpoints.yaml'));
  rmSync(src, { recursive: true });
  writeFileSync(join(out, RECORD), JSON.stringify({ module: `${MODULE}@${VERSION}`, toolchain: TOOLCHAIN, removed: removals.map((r) => r.what) }, null, 2));
}

/**
 * Removes what the proxy's refusals require, round by round: a refused go.mod fails the whole
 * module graph (so later refusals show only once it is dropped), a refused zip fails one module.
 */
async function strip(src: string): Promise<Removal[]> {
  const done: Removal[] = [];
  for (;;) {
    const refused = (await refusedModules(src)).filter((m) => !done.some((r) => r.modules.includes(m.Path)));
    if (!refused.length) return done;
    for (const removal of removalsFor(refused)) {
      applyRemoval(src, removal);
      await exec('go', ['mod', 'edit', ...removal.modules.map((m) => `-droprequire=${m}`)], { cwd: src, env: env() });
      done.push(removal);
    }
  }
}

interface Downloaded {
  Path: string;
  Version?: string;
  Dir?: string;
  Error?: string;
}

/** `go mod download -json` in `cwd`: one entry per module, refused ones with their Error. */
async function download(cwd: string, modules: string[]): Promise<{ entries: Downloaded[]; stderr: string }> {
  const { stdout, stderr } = await exec('go', ['mod', 'download', '-json', ...modules], { cwd, env: env(), maxBuffer: 64 * 2 ** 20 }).catch(
    // It exits 1 when any module fails, still printing every module's entry it got to.
    (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
  return { entries: parseJsonStream(stdout) as Downloaded[], stderr };
}

/** Every module of the main module's graph that the proxy would not serve, and its answer. */
async function refusedModules(src: string): Promise<Downloaded[]> {
  const { entries, stderr } = await download(src, []);
  // A refused go.mod stops the graph before any entry: `go: <path>@<version>: reading …`.
  const graph = [...stderr.matchAll(/^go: (\S+)@(\S+): (.*(?:\n\t.*)*)/gm)].map(([, Path, Version, Error]) => ({ Path: Path!, Version, Error }));
  return [...entries.filter((m) => m.Error), ...graph];
}

/** The go command's -json output: indented objects one after another, each opening at a line start. */
export function parseJsonStream(text: string): unknown[] {
  return text
    .split(/\n(?=\{)/)
    .map((chunk) => chunk.trim())
    .filter(Boolean)
    .map((chunk) => JSON.parse(chunk) as unknown);
}
