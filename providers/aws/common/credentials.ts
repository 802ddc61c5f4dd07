// Credentials for a web identity (IRSA and alike): the pod's projected token exchanged for a
// role's credentials through STS. One provider per role and token, kept across reconciles, so an
// operator with many resources makes one AssumeRoleWithWebIdentity per expiry, not one per pass.
import { fromTokenFile } from '@aws-sdk/credential-providers';
import type { ProviderConnection } from '../../sdk/index.ts';

type AwsCredentialIdentity = Awaited<ReturnType<ReturnType<typeof fromTokenFile>>>;
export type CredentialProvider = () => Promise<AwsCredentialIdentity>;

/** Credentials are refreshed this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60_000;

const providers = new Map<string, CredentialProvider>();

/** A cached provider for the connection's web identity; undefined when it names none. */
export function webIdentityCredentials(connection: ProviderConnection, make = fromTokenFile, now = Date.now): CredentialProvider | undefined {
  const identity = connection.webIdentity;
  if (!identity) return undefined;
  const key = JSON.stringify([identity.roleArn, identity.tokenFile, connection.region, connection.endpoint]);
  let provider = providers.get(key);
  if (!provider) {
    const fetch = make({
      roleArn: identity.roleArn,
      webIdentityTokenFile: identity.tokenFile ?? process.env.AWS_WEB_IDENTITY_TOKEN_FILE,
      roleSessionName: 'mooring',
      clientConfig: { region: connection.region, ...(connection.endpoint ? { endpoint: connection.endpoint } : {}) },
    });
    provider = memoize(() => fetch(), now);
    providers.set(key, provider);
  }
  return provider;
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
