// The SDK's own version, apart from the operator's: a plugin declares the SDK it was written
// against, and the operator loads it only when its SDK can serve that plugin.

/**
 * Semantic version of the provider SDK (the contract, the errors, the registration). A new major
 * breaks plugins; a new minor adds what older plugins may ignore; a patch changes no shape.
 */
export const SDK_VERSION = '1.9.0';

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Major, minor and patch of a semantic version, or undefined when it is not one. */
export function parseVersion(version: string): [number, number, number] | undefined {
  const match = SEMVER.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/**
 * Why an SDK `host` (default ours) cannot serve a plugin written against `declared`, or
 * undefined when it can: the same major, and a minor no newer than the host's (a plugin may rely
 * on anything its minor added).
 */
export function incompatibility(declared: string, host: string = SDK_VERSION): string | undefined {
  const want = parseVersion(declared);
  const have = parseVersion(host);
  if (!want) return `its sdkVersion ${JSON.stringify(declared)} is not a semantic version (such as ${host})`;
  if (!have) throw new Error(`the host SDK version ${host} is not a semantic version`);
  if (want[0] !== have[0]) {
    return `it was written for SDK ${declared}, and this operator's SDK is ${host}: major versions differ, so the contract changed; use a release of the plugin written for SDK ${have[0]}.x`;
  }
  if (want[1] > have[1]) {
    return `it needs SDK ${declared}, newer than this operator's SDK ${host}; upgrade mooring, or use an older release of the plugin`;
  }
  return undefined;
}
