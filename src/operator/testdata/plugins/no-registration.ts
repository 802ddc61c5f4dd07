// Exports a look-alike object, not what defineProvider returns.
import { SDK_VERSION } from 'mooring/sdk';
import { connector } from './connector.ts';

export const provider = { type: 'fixture-none', sdkVersion: SDK_VERSION, kinds: { Bucket: connector } };
