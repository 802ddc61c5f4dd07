// Written for the next major SDK: the contract changed under it.
import { SDK_VERSION, defineProvider, parseVersion } from 'mooring/sdk';
import { connector } from './connector.ts';

const [major] = parseVersion(SDK_VERSION)!;
export default defineProvider({ type: 'fixture-major', sdkVersion: `${major + 1}.0.0`, kinds: { Bucket: connector } });
