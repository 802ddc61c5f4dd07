// Credentials for a web identity (IRSA and alike): the pod's projected token exchanged for a
// role's credentials through STS. One provider per role and token, kept across reconciles, so an
// operator with many resources makes one AssumeRoleWithWebIdentity per expiry, not one per pass.
//
// Whoever writes a ProviderConfig chooses what is sent where, so two rules hold before any file
// is read: the token file is one in the projected-token directory (never the operator's own
// Kubernetes service-account token, nor any other file), and the token goes to the config's
// endpoint only when that endpoint is on loopback (an emulator); otherwise to AWS's own STS.
import { fromTokenFile } from '@aws-sdk/credential-providers';
import { ProviderReason, TerminalError, TOKEN_FILE_PATTERN, WEB_IDENTITY_TOKEN_DIR, type ProviderConnection } from '../../../sdk/index.ts';

type AwsCredentialIdentity = Awaited<ReturnType<ReturnType<typeof fromTokenFile>>>;
export type CredentialProvider = () => Promise<AwsCredentialIdentity>;

/** Credentials are refreshed this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60_000;

const providers = new Map<string, CredentialProvider>();

/**
 * A cached provider for the connection's web identity; undefined when it names none. A token file
 * outside the projected-token directory is a Terminal TokenFileRefused, before anything is read.
 */
export function webIdentityCredentials(connection: ProviderConnection, make = fromTokenFile, now = Date.now): CredentialProvider | undefined {
  const identity = connection.webIdentity;
  if (!identity) return undefined;
  if (identity.tokenFile !== undefined && !TOKEN_FILE_PATTERN.test(identity.tokenFile)) {
    throw new TerminalError(
      ProviderReason.TokenFileRefused,
      `ProviderConfig ${connection.name}: webIdentity.tokenFile ${JSON.stringify(identity.tokenFile.slice(0, 256))} is not a file in ${WEB_IDENTITY_TOKEN_DIR} (without . or .. segments); ` +
        'the file is sent to STS, so no other is read. Leave tokenFile unset to use the pod\'s AWS_WEB_IDENTITY_TOKEN_FILE',
    );
  }
  const sts = stsEndpoint(connection.endpoint);
  const key = JSON.stringify([identity.roleArn, identity.tokenFile, connection.region, sts]);
  let provider = providers.get(key);
  if (!provider) {
    const fetch = make({
      roleArn: identity.roleArn,
      // Unset: the pod's own variable, which only whoever deploys the operator sets.
      webIdentityTokenFile: identity.tokenFile ?? process.env.AWS_WEB_IDENTITY_TOKEN_FILE,
      roleSessionName: 'mooring',
      clientConfig: { region: connection.region, ...(sts ? { endpoint: sts } : {}) },
    });
    provider = memoize(() => fetch(), now);
    providers.set(key, provider);
  }
  return provider;
}

/**
 * Where AssumeRoleWithWebIdentity goes: the config's endpoint only on loopback (an emulator beside
 * the operator). The token is a bearer credential for the role: sent to any other host, whoever
 * runs it could assume the role (or replay it elsewhere), so it goes to AWS's own STS instead.
 */
export function stsEndpoint(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host) ? endpoint : undefined;
  } catch {
    return undefined;
  }
}

/** Reuses credentials until shortly before they expire; a failed fetch is retried next call. */
function memoize(fetch: CredentialProvider, now: () => number): CredentialProvider {
  let cached: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    const current = cached ? await cached.catch(() => undefined) : undefined;
    const fresh = current && (!current.expiration || current.expiration.getTime() - REFRESH_BEFORE_MS > now());
    if (!fresh) cached = fetch();
    return cached!;
  };
}

/** For tests: forget every cached provider. */
export function clearCredentialCache(): void {
  providers.clear();
}
