// For `mooring doctor` and the ProviderConfig's status: one read-only call (the server's own
// description) proving a ProviderConfig reaches its PowerDNS server with a key the API accepts,
// through the same limiter as the records' calls. Errors leave typed, as every other call's do.
import type { ProbeReport, ProviderConnection } from '../../sdk/index.ts';
import { PdnsApi, pdnsSettings } from './api.ts';

export async function probePowerDns(connection: ProviderConnection): Promise<ProbeReport> {
  const settings = pdnsSettings(connection);
  const server = await new PdnsApi(settings, connection.limiter?.('powerdns')).server();
  return {
    summary: `PowerDNS ${server.daemon_type} ${server.version} at ${settings.serverUrl} accepted the API key`,
    account: server.id,
    endpoint: settings.serverUrl,
  };
}
