// What a DNSRecord's connection Secret holds: the name an application connects to and what it
// resolves to, as the zone serves them now. Keys and the reasons for them: docs/dnsrecord.md.
import { parseTxt, type RecordSet } from './state.ts';

/**
 * `fqdn` without the root's trailing dot (the form a URL, a TLS name or a client takes), `type`,
 * and `values` one per line, sorted (TXT as its text, unquoted), or `alias` for an alias record.
 */
export function recordConnectionDetails(live: RecordSet): Record<string, string> {
  const details: Record<string, string> = { fqdn: live.name.replace(/\.$/, ''), type: live.type };
  if (live.alias) details.alias = live.alias.dnsName.replace(/\.$/, '');
  else details.values = (live.values ?? []).map((v) => (live.type === 'TXT' ? parseTxt(v) : v)).sort().join('\n');
  return details;
}
