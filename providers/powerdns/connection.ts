// What a DNSRecord's connection Secret holds on PowerDNS, in the same keys as the built-in Route 53
// adapter: the name an application connects to and what it resolves to, as the zone serves them now.
import { parseTxt } from './content.ts';
import type { RRset } from './rrset.ts';

/** `fqdn` without the root's trailing dot, `type`, and `values` one per line, sorted (TXT unquoted). */
export function recordConnectionDetails(live: RRset): Record<string, string> {
  const values = live.contents.map((c) => (live.type === 'TXT' ? parseTxt(c) : c)).sort();
  return { fqdn: live.name.replace(/\.$/, ''), type: live.type, values: values.join('\n') };
}
