// Preloaded with `node --import`: records the URL of every module the process loads (ESM imports
// and CommonJS requires alike) and writes the list, one a line, to $MOORING_MODULE_LOG at exit.
// src/cli/run-modules.test.ts reads it to prove what `mooring run` does not load.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    loaded.add(resolved.url);
    return resolved;
  },
});
process.on('exit', () => {
  // Node's own internal modules the hooks never see (its bundled undici, Web Crypto), as node:internal/….
  for (const entry of (process as unknown as { moduleLoadList: string[] }).moduleLoadList) if (entry.startsWith('NativeModule internal/')) loaded.add(`node:${entry.slice('NativeModule '.length)}`);
  if (process.env.MOORING_MODULE_LOG) writeFileSync(process.env.MOORING_MODULE_LOG, [...loaded].join('\n'));
});
