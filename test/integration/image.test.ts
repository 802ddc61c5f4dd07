// The container image without a container engine: the Dockerfile's final stage is read (its
// COPY lines, ENV, USER, ENTRYPOINT and CMD), its files are laid out as the image holds them in a
// read-only folder, and the exact entry point runs from there as an unprivileged user against
// the real stack: it becomes ready, reconciles, and a SIGTERM ends it cleanly (exit 0).
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { condition, createNamespace, emulatorProviderConfig, eventually, installCrds, kubeConfig, objects, uniq } from '../support/kube.ts';
import { useStack } from '../support/stack.ts';
import { importsOf } from '../../src/build/bundle.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const stack = useStack(['kube', 'aws']);
const NOBODY = 65534;

interface FinalStage {
  copies: { from: string[]; to: string }[];
  /** Where the build stage's output lands (`COPY --from=build …`): built here the same way. */
  builds: string[];
  env: Record<string, string>;
  user?: string;
  command: string[];
}

/** The Dockerfile's last stage, as far as running it goes. */
function finalStage(dockerfile: string): FinalStage {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stage = lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
  const stageOut: FinalStage = { copies: [], builds: [], env: {}, command: [] };
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  for (const line of stage) {
    const [, instruction, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    switch (instruction?.toUpperCase()) {
      case 'COPY': {
        if (rest!.startsWith('--from=build')) {
          stageOut.builds.push(rest!.split(/\s+/).at(-1)!);
          break;
        }
        if (rest!.startsWith('--from')) break; // the deps stage's node_modules: installed below
        const parts = rest!.split(/\s+/);
        stageOut.copies.push({ from: parts.slice(0, -1), to: parts.at(-1)! });
        break;
      }
      case 'ENV': for (const [, k, quoted, bare] of rest!.matchAll(/(\w+)=(?:"([^"]*)"|(\S+))/g)) stageOut.env[k!] = quoted ?? bare!; break;
      case 'USER': stageOut.user = rest; break;
      case 'ENTRYPOINT': entrypoint = JSON.parse(rest!) as string[]; break;
      case 'CMD': cmd = JSON.parse(rest!) as string[]; break;
    }
  }
  stageOut.command = [...entrypoint, ...cmd];
  return stageOut;
}

const stage = finalStage(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
let kc: KubeConfig;
let app: string;
let operator: ChildProcess | undefined;
let output = '';

function readOnly(path: string): void {
  // lstat: never follow the node_modules symlink into the checkout's own (shared) node_modules.
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) for (const entry of readdirSync(path)) readOnly(join(path, entry));
  chmodSync(path, stat.isDirectory() ? 0o555 : 0o444);
}

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  const root = mkdtempSync(join(tmpdir(), 'mooring-image-'));
  chmodSync(root, 0o755);
  app = join(root, 'app');
  for (const { from, to } of stage.copies) {
    for (const source of from) cpSync(join(ROOT, source), join(app, to.endsWith('/') ? source : to), { recursive: true });
  }
  // The build stage's `npm run build` (the bundle), into the image's folder.
  for (const to of stage.builds) execFileSync(process.execPath, [join(ROOT, 'src', 'build', 'bundle.ts'), join(app, to)], { stdio: 'inherit' });
  readOnly(app);
  // The image's node_modules holds the production dependencies; this checkout's is a superset.
  // Linked after the write bits are gone from the copy: nothing may reach through the link.
  chmodSync(app, 0o755);
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  chmodSync(app, 0o555);
});

after(async () => {
  if (operator && operator.exitCode === null) operator.kill('SIGKILL');
  // rmSync removes a symlink itself, never what it points to.
  if (app) rmSync(dirname(app), { recursive: true, force: true });
});

describe('the container image', () => {
  it('is a non-root, production image that runs `mooring run`', () => {
    assert.match(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), /npm ci --omit=dev/);
    assert.match(stage.user ?? '', /^[1-9]\d*(:[1-9]\d*)?$/, 'a numeric non-root USER');
    assert.deepEqual(stage.command, ['node', '--optimize-for-size', '--max-opt=2', 'dist/mooring.mjs', 'run']);
    assert.deepEqual(stage.builds, ['./dist'], 'the bundle, from the build stage');
    assert.match(readFileSync(join(ROOT, 'package.json'), 'utf8'), /"build": "node src\/build\/bundle\.ts"/, 'the build stage runs what this test runs');
  });

  it('needs no dev dependency at run time', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    const imported = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.mjs')) {
          for (const spec of importsOf(readFileSync(path, 'utf8'))) imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    };
    // What the image holds: the bundle, which leaves out only the packages src/build/bundle.ts names.
    for (const to of stage.builds) walk(join(app, to));
    assert.ok(imported.has('@kubernetes/client-node') && imported.has('node:fs'), `the walk found the image's imports: ${[...imported].join(', ')}`);
    // The package's own name resolves to itself (its "exports": a plugin imports mooring/sdk).
    const missing = [...imported].filter((name) => !name.startsWith('node:') && name !== pkg.name && !(name in pkg.dependencies));
    assert.deepEqual(missing, [], 'imported by the image\'s code but not a production dependency');
  });

  it('starts from a read-only folder as an unprivileged user, becomes ready, reconciles, and exits 0 on SIGTERM', async () => {
    const ns = await createNamespace(kc);
    const pc = await emulatorProviderConfig(kc, stack());
    const kubeconfig = join(dirname(app), 'kubeconfig');
    writeFileSync(kubeconfig, readFileSync(stack().kube!.kubeconfig));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(kubeconfig, NOBODY, NOBODY);
    const [program, ...args] = stage.command;
    // `node` in the image is Node 24: here, the one running this test.
    const command = [program === 'node' ? process.execPath : program!, ...args, '--kubeconfig', kubeconfig, '--namespace', ns, '--bind-address', '127.0.0.1:0', '--credentials-namespaces', 'default'];
    const [exe, ...argv] = command;
    // Run as nobody when we can (as root): the write bits then really bind, as in the image.
    const user = asRoot ? { uid: NOBODY, gid: NOBODY } : {};
    operator = spawn(exe!, argv, { cwd: app, env: { PATH: process.env.PATH, ...stage.env }, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    operator.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    operator.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await eventually(async () => /"http":"(http:[^"]+)"/.exec(output)?.[1], 'the operator to serve its probes', 30_000, async () => output);
    await eventually(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200, '/readyz 200', 30_000, async () => output);
    const name = uniq('image');
    await objects(kc, 'buckets').create(ns, name, { providerConfigRef: { name: pc } });
    await eventually(async () => condition(await objects(kc, 'buckets').get(ns, name), 'Ready')?.status === 'True', `Bucket ${name} Ready`, 30_000, async () => output);
    operator.kill('SIGTERM');
    const code = await new Promise((resolve) => operator!.once('exit', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /"msg":"stopping: finishing in-flight reconciles"[\s\S]*"msg":"stopped"/);
  });
});
