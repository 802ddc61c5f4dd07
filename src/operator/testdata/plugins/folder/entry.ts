// A plugin given as a folder: its package.json names this file as main. Its own package.json
// makes it a package apart, where `mooring/sdk` resolves only once mooring is its dependency.
import { SDK_VERSION, defineProvider } from '../../../../../sdk/index.ts';
import { connector } from '../connector.ts';

export const files = defineProvider({ type: 'fixture-folder', sdkVersion: SDK_VERSION, kinds: { Bucket: connector } });
