// SDK clients kept across reconcile passes. A pass connects, makes a few calls and disconnects;
// a client per pass would open new connections (a TLS handshake each, against AWS) and resolve its
// configuration anew every time. The pool keeps one client per ProviderConfig and region.
import { createHash } from 'node:crypto';
import type { ProviderConnection } from '../../../sdk/index.ts';
import { sendWithCallSignal } from './client.ts';

/** Changes when anything a client is built from changes: endpoint, region, settings, credentials. */
export function connectionFingerprint(c: ProviderConnection): string {
  return createHash('sha256').update(JSON.stringify([c.endpoint, c.region, c.settings, c.credentials, c.webIdentity])).digest('hex');
}

export class ClientPool<C extends { destroy(): void }> {
  private readonly make: (connection: ProviderConnection, region: string) => C;
  /** By ProviderConfig name: the fingerprint the clients were made from, and a client per region. */
  private readonly configs = new Map<string, { fingerprint: string; clients: Map<string, C> }>();

  constructor(make: (connection: ProviderConnection, region: string) => C) {
    this.make = make;
  }

  /** The client for this connection and region (default the connection's own region). */
  get(connection: ProviderConnection, region: string = connection.region): C {
    const fingerprint = connectionFingerprint(connection);
    let entry = this.configs.get(connection.name);
    // A ProviderConfig that changed (rotated credentials, a new endpoint): the old clients go.
    if (entry?.fingerprint !== fingerprint) {
      for (const client of entry?.clients.values() ?? []) client.destroy();
      entry = { fingerprint, clients: new Map() };
      this.configs.set(connection.name, entry);
    }
    let client = entry.clients.get(region);
    if (!client) {
      // Each request carries the deadline of the adapter call it is sent for.
      client = sendWithCallSignal(this.make(connection, region));
      entry.clients.set(region, client);
    }
    return client;
  }

  /** Destroys every client (the connector is done). */
  destroy(): void {
    for (const entry of this.configs.values()) for (const client of entry.clients.values()) client.destroy();
    this.configs.clear();
  }
}
