// What the image runs: the mooring command bundled by esbuild into dist/ (`npm run build`). V8 keeps
// every loaded module's source in the heap for the life of the process; a tree-shaken, minified
// bundle holds only the code the operator can reach (the AWS SDK's packages ship whole modules of
// code for every operation of a service). docs/performance.md has the figures.
//
// - Two entry points: `mooring.mjs` (src/cli/main.ts) and `sdk.mjs` (sdk/index.ts), which is where
//   a plugin's `import 'mooring/sdk'` resolves in the image (package.json "exports", condition
//   mooring-dist). Code splitting puts the SDK in a chunk both import: the operator and its plugins
//   share one instance of it.
// - Every dynamic import (a subcommand, a provider's connector and its cloud client) stays a chunk
//   of its own, loaded on first use as before.
// - Whitespace and syntax minified, identifiers kept: a stack trace names the functions it went
//   through. Source maps are written beside the bundle (dist/*.map) but not linked: node loads
//   none unless run with --enable-source-maps, which turns a trace back into file:line for on-call.
import { build, type Metafile, type Plugin } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { BUNDLE_DIR } from './index.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Loaded from node_modules at run time, not bundled: @kubernetes/client-node is imported only for
 * a kubeconfig's exec or auth-provider user (src/kube/client-node-auth.ts) and is large and
 * CommonJS; pg-native is pg's optional native driver, never installed.
 */
export const EXTERNAL_PACKAGES: readonly string[] = ['@kubernetes/client-node', 'pg-native'];

// CommonJS packages bundled into ESM call `require` for Node's built-ins: give each file one.
const BANNER = "import { createRequire as __mooringCreateRequire } from 'node:module'; const require = __mooringCreateRequire(import.meta.url);";

/**
 * Every output file sits in one folder, so a module's `import.meta.dirname` (a checkout's files it
 * finds beside itself: templates, crds/, the stack's Go modules) is rewritten relative to it.
 */
function sourceDirs(outdir: string): Plugin {
  return {
    name: 'source-dirs',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
        const text = await readFile(path, 'utf8');
        if (!text.includes('import.meta.dirname') && !text.includes('new URL(import.meta.url)')) return undefined;
        const dir = relative(outdir, dirname(path));
        const file = relative(outdir, path);
        return {
          loader: 'ts',
          contents: text
            .replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/${dir}`)})`)
            .replaceAll('new URL(import.meta.url)', `new URL(${JSON.stringify(file)}, import.meta.url)`),
        };
      });
    },
  };
}

/**
 * An ESM import of a Node built-in evaluates every export, its lazy getters too: node:http's
 * WebSocket loads Node's bundled undici (~13 MiB; src/runtime/node-http.ts), node:crypto's
 * webcrypto its Web Crypto implementation, node:process's stdin a handle on it. Bundled code (ours,
 * and the AWS SDK's, which imports node:http for an http:// endpoint) gets these modules through
 * require instead: every export but the getters (a lazy function is read on its first call); a
 * bundled module that imports another getter by name fails the build.
 */
export const BUILTINS_THROUGH_REQUIRE: readonly string[] = ['http', 'crypto', 'process'];

/** Whether a getter's value is a function, read without the deprecation warning some print (crypto.fips). */
function isFunction(module: object, name: string): boolean {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return typeof (module as Record<string, unknown>)[name] === 'function';
  } finally {
    process.noDeprecation = quiet;
  }
}

function builtinsThroughRequire(): Plugin {
  const filter = new RegExp(`^(node:)?(${BUILTINS_THROUGH_REQUIRE.join('|')})$`);
  return {
    name: 'builtins-through-require',
    setup(b) {
      b.onResolve({ filter }, (args) => (args.kind === 'import-statement' || args.kind === 'dynamic-import' ? { path: args.path.replace(/^node:/, ''), namespace: 'builtin-through-require' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'builtin-through-require' }, ({ path }) => {
        const builtin = createRequire(import.meta.url)(`node:${path}`) as object;
        const exports = Object.entries(Object.getOwnPropertyDescriptors(builtin)).filter(([name]) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
        const contents = [
          "import { createRequire } from 'node:module';",
          `const m = createRequire(import.meta.url)(${JSON.stringify(`node:${path}`)});`,
          'export default m;',
          ...exports.map(([name, d]) => {
            if (!d.get) return `export const ${name} = m.${name};`;
            // A lazy function (crypto.getRandomValues): read on the first call, not at import.
            return isFunction(builtin, name) ? `export function ${name}(...args) { return m.${name}(...args); }` : '';
          }),
        ];
        return { loader: 'js', contents: contents.join('\n') };
      });
    },
  };
}

/** The modules a bundle file imports by name (static and dynamic ESM imports; not relative ones). */
export function importsOf(code: string): string[] {
  const specs = [];
  for (const [, statement, dynamic] of code.matchAll(/(?:^|[;}\n])\s*import\s*(?:[\w$*{}\s,]*?\bfrom\s*)?"([^"]+)"|\bimport\("([^"]+)"\)/g)) specs.push((statement ?? dynamic)!);
  return specs.filter((s) => !s.startsWith('.'));
}

export interface BundleResult {
  main: string;
  metafile: Metafile;
}

/** Builds the bundle into `outdir` (dist/ by default), emptied first. */
export async function bundle(outdir = BUNDLE_DIR): Promise<BundleResult> {
  // Chunks are named by content hash: last build's would stay beside this one's.
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { mooring: 'src/cli/main.ts', sdk: 'sdk/index.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // The ESM builds of the AWS SDK's packages: what tree-shaking can cut.
    mainFields: ['module', 'main'],
    external: [...EXTERNAL_PACKAGES],
    banner: { js: BANNER },
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    legalComments: 'external',
    sourcemap: 'external',
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceDirs(outdir), builtinsThroughRequire()],
  });
  return { main: join(outdir, 'mooring.mjs'), metafile: result.metafile };
}

if (import.meta.main) {
  const { main } = await bundle(process.argv[2] ?? BUNDLE_DIR);
  console.log(`bundled ${relative(process.cwd(), main)}`);
}
