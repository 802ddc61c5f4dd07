// The provider's public surface: what `mooring run --providers <this folder>` imports. The
// operator checks the registration, and the SDK version it declares, before it connects anywhere.
import { SDK_VERSION, defineProvider } from 'mooring/sdk';
import { DirectoryBucketConnector, probeRoot } from './bucket.ts';

/** The type a ProviderConfig's `spec.type` names to pick this provider. */
export const TYPE = 'example-files';

// probe: the cheap read-only check `mooring doctor` makes of a ProviderConfig of this type.
export default defineProvider({ type: TYPE, sdkVersion: SDK_VERSION, kinds: { Bucket: new DirectoryBucketConnector() }, probe: probeRoot });
