// A cheap read-only call that proves a ProviderConfig reaches AWS (or its emulator) with working
// credentials, and says whose they are: STS GetCallerIdentity needs no IAM permission at all (an
// explicit deny cannot refuse it), so it fails only on credentials or the network, and it names
// the account. `mooring doctor` and the ProviderConfig status checker run it; a failure is typed
// the way the adapters type theirs. It goes through the config's own `sts` limiter.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { ProbeReport, ProviderConnection } from '../../../sdk/index.ts';
import { AwsCaller, awsClientConfig } from './client.ts';

/** Where STS was asked: the override, or the region's public endpoint. */
const where = (connection: ProviderConnection) => connection.endpoint ?? `https://sts.${connection.region}.amazonaws.com`;

export async function probeAws(connection: ProviderConnection): Promise<ProbeReport> {
  const client = new STSClient(awsClientConfig(connection));
  const endpoint = where(connection);
  try {
    const identity = await new AwsCaller(connection.limiter?.('sts')).call(`STS GetCallerIdentity at ${endpoint}`, () => client.send(new GetCallerIdentityCommand({})));
    const account = identity.Account ?? 'unknown';
    return { summary: `STS GetCallerIdentity answered at ${endpoint}: account ${account} as ${identity.Arn ?? 'an unnamed identity'}`, account, endpoint };
  } finally {
    client.destroy();
  }
}
