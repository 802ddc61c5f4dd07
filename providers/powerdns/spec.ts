// The DNSRecord spec and atProvider as this provider reads and reports them. Until the SDK's
// public surface exports mooring's own types, they are written here structurally, with only the
// fields PowerDNS uses: a plugin may not reach into mooring's internals for them.
export interface DNSRecordSpec {
  zone: { id?: string | undefined; name?: string | undefined };
  name: string;
  type: string;
  ttl?: number | undefined;
  values?: string[] | undefined;
  alias?: unknown;
  weighted?: { setIdentifier: string; weight: number } | undefined;
  adopt: boolean;
}

export interface DNSRecordAtProvider {
  hostedZoneId?: string | undefined;
  fqdn?: string | undefined;
  [key: string]: unknown;
}
