// For `mooring doctor`: one read-only call proving a ProviderConfig reaches its PowerDNS server
// with a key the API accepts. Errors leave typed, as every other call's do.
import type { ProviderConnection } from '../sdk/index.ts';
import { PdnsApi, pdnsSettings } from './api.ts';

export async function probePowerDns(connection: ProviderConnection): Promise<string> {
  const settings = pdnsSettings(connection);
  const server = await new PdnsApi(settings).server();
  return `PowerDNS ${server.daemon_type} ${server.version} at ${settings.serverUrl} accepted the API key`;
}
