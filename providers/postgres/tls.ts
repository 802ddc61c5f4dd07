// libpq's sslmode, mapped onto Node's TLS options for pg. What each mode checks:
//   disable, prefer  no TLS (pg cannot fall back from TLS to plain text as libpq's prefer does)
//   require          TLS, no certificate check; with a CA given, the chain is checked (as libpq does)
//   verify-ca        TLS, the chain must lead to the CA (or the system's CAs); any host name
//   verify-full      as verify-ca, and the certificate must name the host connected to
import type { ConnectionOptions } from 'node:tls';
import type { SslMode } from './settings.ts';

export type PgTls = false | ConnectionOptions;

/** Host names are not checked: verify-ca (and require with a CA) trust any name the CA signed. */
const anyName = (): undefined => undefined;

export function tlsOptions(mode: SslMode | undefined, ca: string | undefined): PgTls {
  const trust = ca ? { ca } : {};
  switch (mode) {
    case undefined:
    case 'disable':
    case 'prefer':
      return false;
    case 'require':
      return ca ? { ...trust, rejectUnauthorized: true, checkServerIdentity: anyName } : { rejectUnauthorized: false };
    case 'verify-ca':
      return { ...trust, rejectUnauthorized: true, checkServerIdentity: anyName };
    case 'verify-full':
      // Node checks the name against the host pg connects to (pg sends it as SNI unless an IP).
      return { ...trust, rejectUnauthorized: true };
  }
}
