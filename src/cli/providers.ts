// The providers a one-shot command (plan, import) works with: the built-in ones and the plugins its
// `--providers` flag names (comma-separated). A refused plugin is reported once, here.
import { builtinProviders } from '../operator/builtin.ts';
import { PluginError, loadProviders } from '../operator/plugins.ts';
import type { ProviderRegistration } from '../operator/providers.ts';

/** The providers, or undefined once a refused plugin was reported (exit with EXIT_PLUGIN_REFUSED). */
export async function commandProviders(command: string, flag: string): Promise<ProviderRegistration[] | undefined> {
  try {
    return await loadProviders(flag.split(',').map((p) => p.trim()).filter(Boolean), builtinProviders());
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    console.error(`mooring ${command}: ${err.message}`);
    return undefined;
  }
}
