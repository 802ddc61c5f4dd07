// Needs a minor version of the SDK newer than the operator's.
import { SDK_VERSION, defineProvider, parseVersion } from 'mooring/sdk';
import { connector } from './connector.ts';

const [major, minor] = parseVersion(SDK_VERSION)!;
export default defineProvider({ type: 'fixture-minor', sdkVersion: `${major}.${minor + 1}.0`, kinds: { Bucket: connector } });
