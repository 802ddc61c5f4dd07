// A plugin as its author writes it: the default export is defineProvider's registration.
import { SDK_VERSION, defineProvider } from 'mooring/sdk';
import { connector } from './connector.ts';

export default defineProvider({ type: 'fixture-good', sdkVersion: SDK_VERSION, kinds: { Bucket: connector } });
