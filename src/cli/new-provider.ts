// `mooring new-provider NAME [--dir D]`: a minimal provider package whose conformance run passes
// as generated, against a backend every machine has (a folder). docs/plugins.md walks through it.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DNS_LABEL } from '../api/common.ts';

export const NEW_PROVIDER_HELP = `usage: mooring new-provider NAME [--dir D]

Writes a provider package for mooring into D (default ./mooring-provider-NAME): package.json,
index.ts (defineProvider, type NAME), bucket.ts (a Bucket kept as a folder: replace its file
system calls with your backend's API), conformance.test.ts (the conformance suite against a
temporary folder) and README.md. It links this mooring into D/node_modules/mooring, so
'mooring/sdk' resolves at once; then: cd D && npm test. NAME is the provider type a
ProviderConfig's spec.type names: lowercase letters, digits and hyphens.`;

const TEMPLATE = join(import.meta.dirname, 'templates', 'provider');
const MOORING_ROOT = resolve(import.meta.dirname, '..', '..');
/** The template's provider type, replaced by NAME in every file. */
const PLACEHOLDER = 'example-files';

/** The files of a new provider package, by relative path. */
export function providerFiles(name: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of readdirSync(TEMPLATE)) files[file] = readFileSync(join(TEMPLATE, file), 'utf8').replaceAll(PLACEHOLDER, name);
  files['package.json'] = `${JSON.stringify({
    name: `mooring-provider-${name}`,
    version: '0.1.0',
    description: `A mooring provider of type ${name}.`,
    type: 'module',
    main: 'index.ts',
    exports: './index.ts',
    engines: { node: '>=24' },
    scripts: { test: 'node --test conformance.test.ts' },
    // A published plugin names a released mooring; this links the checkout that made it.
    dependencies: { mooring: `file:${MOORING_ROOT}` },
  }, null, 2)}\n`;
  files['README.md'] = `# mooring-provider-${name}

A [mooring](${MOORING_ROOT}) provider: ProviderConfigs of \`type: ${name}\` manage Buckets as folders
under their \`settings.root\`.

- \`npm test\` runs mooring's conformance suite against a temporary folder.
- \`mooring run --providers ${'<this folder>'}\` loads it into the operator.

See docs/plugins.md in mooring for the contract and the walk-through.
`;
  return files;
}

export async function newProvider(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { dir: { type: 'string' } } });
  const name = positionals[0];
  if (!name || positionals.length > 1 || name.length > 63 || !DNS_LABEL.test(name)) {
    console.error(`mooring new-provider: give one NAME of lowercase letters, digits and hyphens (the provider type), e.g. mooring new-provider minio\n\n${NEW_PROVIDER_HELP}`);
    return 2;
  }
  const dir = resolve(values.dir ?? `mooring-provider-${name}`);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    console.error(`mooring new-provider: ${dir} is not empty; give --dir a new or empty folder`);
    return 1;
  }
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  for (const [file, text] of Object.entries(providerFiles(name))) writeFileSync(join(dir, file), text);
  // What npm install does for a file: dependency: a link, so mooring's sources run from their own folder.
  symlinkSync(MOORING_ROOT, join(dir, 'node_modules', 'mooring'), 'dir');
  console.log(`wrote ${relative(process.cwd(), dir) || '.'}: a provider of type ${name}\nnext: cd ${dir} && npm test`);
  return 0;
}
