// Claims the type of a built-in provider.
import { SDK_VERSION, defineProvider } from 'mooring/sdk';
import { connector } from './connector.ts';

export default defineProvider({ type: 'aws', sdkVersion: SDK_VERSION, kinds: { Bucket: connector } });
