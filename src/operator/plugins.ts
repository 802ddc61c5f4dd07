// Provider plugins named in the operator's configuration (--providers): imported once at start-up,
// each checked before anything reconciles. A plugin that does not fit stops the operator with a
// message naming it and what to do, never a crash mid-reconcile.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SDK_VERSION, definitionProblems, incompatibility, isProviderRegistration, type ProviderRegistration } from '../../sdk/index.ts';

/** The exit code of a command that refused a provider plugin (docs/cli.md). */
export const EXIT_PLUGIN_REFUSED = 3;

/** A plugin the operator refuses; the message names the plugin, the problem and the fix. */
export class PluginError extends Error {
  readonly code = 'PluginRefused';
  readonly plugin: string;
  constructor(plugin: string, message: string, options?: { cause?: unknown }) {
    super(`provider plugin ${plugin}: ${message}`, options);
    this.name = 'PluginError';
    this.plugin = plugin;
  }
}

/** A path (./x, ../x, /x, or anything with a slash that exists) rather than a package name. */
function isPath(specifier: string, cwd: string): boolean {
  if (specifier.startsWith('.') || isAbsolute(specifier)) return true;
  return !specifier.startsWith('@') && specifier.includes('/') && existsSync(resolve(cwd, specifier));
}

/** What to import: a file; a folder's package.json `main` (default index.ts); or a package name. */
function target(specifier: string, cwd: string): string {
  if (!isPath(specifier, cwd)) return specifier; // resolved as Node resolves it from mooring's own package
  const path = resolve(cwd, specifier);
  if (!existsSync(path)) throw new PluginError(specifier, `${path} does not exist; give the plugin's folder or entry file, relative to the working directory ${cwd}`);
  if (!statSync(path).isDirectory()) return pathToFileURL(path).href;
  const manifest = join(path, 'package.json');
  const main = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { main?: unknown }).main : undefined;
  return pathToFileURL(join(path, typeof main === 'string' ? main : 'index.ts')).href;
}

async function importPlugin(specifier: string, cwd: string): Promise<Record<string, unknown>> {
  try {
    return (await import(target(specifier, cwd))) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof PluginError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && !isPath(specifier, cwd) && (err as Error).message.includes(`'${specifier}'`)) {
      throw new PluginError(specifier, `no package of that name is installed beside mooring; run npm install ${specifier} in mooring's folder, or give the plugin's path`, { cause: err });
    }
    if (code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING') {
      throw new PluginError(specifier, 'it ships TypeScript inside node_modules, which Node does not run; publish it compiled to JavaScript, or give its folder as a path (npm link works too)', { cause: err });
    }
    throw new PluginError(specifier, `failed to load: ${(err as Error).message ?? String(err)}; fix the plugin, or remove it from --providers`, { cause: err });
  }
}

/** The registrations a module exports: its default export, or else every named one. */
function registrationsOf(specifier: string, module: Record<string, unknown>): ProviderRegistration[] {
  if (isProviderRegistration(module.default)) return [module.default];
  const named = Object.values(module).filter(isProviderRegistration);
  if (named.length) return named;
  throw new PluginError(specifier, "exports no provider registration; its module must `export default defineProvider({ type, sdkVersion: SDK_VERSION, kinds })` (from 'mooring/sdk')");
}

function check(specifier: string, registration: ProviderRegistration): void {
  const problems = definitionProblems(registration);
  if (problems.length) throw new PluginError(specifier, `its registration is invalid: ${problems.join('; ')}`);
  const misfit = incompatibility(registration.sdkVersion, SDK_VERSION);
  if (misfit) throw new PluginError(specifier, `provider type ${registration.type} cannot be loaded: ${misfit}`);
}

/**
 * The built-in providers plus every plugin in `specifiers`, in order. Throws a PluginError for the
 * first plugin that cannot be imported, exports no registration, was written for an SDK this
 * operator cannot serve, or registers a provider type already taken.
 */
export async function loadProviders(specifiers: readonly string[], builtin: ProviderRegistration[], cwd = process.cwd()): Promise<ProviderRegistration[]> {
  const byType = new Map<string, string>(builtin.map((p) => [p.type, 'built in']));
  const loaded = [...builtin];
  for (const specifier of specifiers) {
    for (const registration of registrationsOf(specifier, await importPlugin(specifier, cwd))) {
      check(specifier, registration);
      const taken = byType.get(registration.type);
      if (taken) {
        throw new PluginError(specifier, `provider type ${registration.type} is already registered (${taken === 'built in' ? 'built in' : `by plugin ${taken}`}); a ProviderConfig's type must pick one provider. Remove one of them from --providers, or give the plugin another type`);
      }
      byType.set(registration.type, specifier);
      loaded.push(registration);
    }
  }
  return loaded;
}
