// Where the bundle the image runs lies, and building it from a process that should not load
// esbuild itself (the bench, the sandbox): src/build/bundle.ts run as a child.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const BUNDLE_DIR = join(import.meta.dirname, '..', '..', 'dist');

/** Builds the bundle into `outdir` (`npm run build` does it into dist/); its entry, the mooring command. */
export function buildBundle(outdir = BUNDLE_DIR): string {
  execFileSync(process.execPath, [join(import.meta.dirname, 'bundle.ts'), outdir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(outdir, 'mooring.mjs');
}
