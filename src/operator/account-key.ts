// The key of an account limiter: what the cloud counts a rate limit by, so ProviderConfigs on one
// account share one budget and one throttling state. `<type>:<account>[@<region>]:<api>`:
// - aws: the account id STS GetCallerIdentity named (the config's probe, read from its status),
//   with the region unless the API is limited per account whatever the region (Route 53);
// - others: the server the config reaches (host:port of the probed endpoint, else of the config's).
// Until the account is known, a hash of where and as whom the config connects (endpoint, region,
// access key id or role, credentials Secret): configs with the same credentials still share, and
// no value of a Secret ever appears (the key is a metric label).
import { createHash } from 'node:crypto';

/** What the key reads of a ProviderConfig (a ProviderConfigView is one). */
export interface AccountView {
  type: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  credentials?: { source: string; secretRef?: { namespace: string; name: string } | undefined; webIdentity?: { roleArn: string } | undefined } | undefined;
  probed?: { account?: string | undefined; endpoint?: string | undefined } | undefined;
}

/** APIs a cloud limits per account, not per region. */
const GLOBAL_APIS: Record<string, ReadonlySet<string>> = {
  aws: new Set(['route53', 'iam', 'organizations', 'cloudfront']),
};

/** What a key may show as it is: an account id, a host name and port. Anything else is hashed. */
const PLAIN = /^[A-Za-z0-9._:[\]-]{1,128}$/;

const digest = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

/** host:port of a URL or of a bare `host:port`; never its user, password, path or query. */
export function serverOf(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  let host = endpoint;
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) host = new URL(endpoint).host;
  } catch {
    return undefined;
  }
  return PLAIN.test(host) && !host.includes('@') ? host.toLowerCase() : undefined;
}

/** Whose the config's requests are, as the cloud counts them; undefined until known. */
function accountOf(pc: AccountView): string | undefined {
  if (pc.type === 'aws') {
    const id = pc.probed?.account;
    return id && PLAIN.test(id) ? id : undefined;
  }
  return serverOf(pc.probed?.endpoint) ?? serverOf(pc.endpoint);
}

/** As whom the config connects, for the fallback key only (hashed with the rest). */
export interface ConnectsAs {
  accessKeyId?: string | undefined;
}

export function accountKey(pc: AccountView, api: string, as: ConnectsAs = {}): string {
  const regional = !(GLOBAL_APIS[pc.type]?.has(api) ?? false) && pc.type === 'aws';
  const region = regional ? `@${pc.region ?? 'us-east-1'}` : '';
  const account = accountOf(pc);
  if (account !== undefined) return `${pc.type}:${account}${region}:${api}`;
  const c = pc.credentials;
  const who = as.accessKeyId ?? c?.webIdentity?.roleArn ?? (c?.secretRef ? `${c.secretRef.namespace}/${c.secretRef.name}` : (c?.source ?? 'default'));
  return `${pc.type}:~${digest([pc.type, pc.endpoint ?? '', who])}${region}:${api}`;
}
