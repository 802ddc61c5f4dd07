// The helm binary `mooring generate` renders the plain manifests with: built into the stack's
// cache on first use (src/stack/setup.ts). Without Go there is none, and generation says why.
import { EnvironmentError } from '../stack/preflight.ts';
import { setup } from '../stack/setup.ts';
import { binaries } from '../stack/versions.ts';

export async function helmForGenerate(): Promise<{ helm: string } | { missing: string }> {
  try {
    await setup(['helm']);
    return { helm: binaries().helm };
  } catch (err) {
    if (!(err instanceof EnvironmentError)) throw err;
    return { missing: err.message };
  }
}
