// The ownership record: a TXT record beside each record set we write, saying whose it is. Named
// exactly as the Route 53 adapter names it, `_mooring-<type>.<name>`, so users read one scheme
// whichever server holds their zone: a child of the record's name (works at the apex and below a
// wildcard, and may sit beside a CNAME), with the type in it (an A and an AAAA each have their own).
import { TerminalError } from '../sdk/index.ts';
import { formatTxt, parseTxt } from './content.ts';
import { PdnsReason } from './reasons.ts';

export const OWNERSHIP_PREFIX = '_mooring';
/** Nobody resolves ownership records, so their TTL hardly matters. */
export const OWNERSHIP_TTL = 300;
/** DNS allows 255 octets on the wire: 253 characters of name, plus the trailing dot here. */
const MAX_NAME = 254;

/** `_mooring-a.www.example.com.`; a leftmost `*` becomes `_wildcard` (PowerDNS allows `*` only leftmost). */
export function ownershipName(fqdn: string, type: string): string {
  const base = fqdn.startsWith('*.') ? `_wildcard.${fqdn.slice(2)}` : fqdn;
  const name = `${OWNERSHIP_PREFIX}-${type.toLowerCase()}.${base}`;
  if (name.length > MAX_NAME) {
    throw new TerminalError(
      PdnsReason.InvalidSpec,
      `the record name ${fqdn} is too long to carry its ownership record ${name.slice(0, 40)}… (${name.length} characters, DNS allows ${MAX_NAME}); choose a shorter name`,
    );
  }
  return name;
}

/** The ownership record's one value: the mark as one quoted TXT string. */
export const ownershipContent = (mark: string): string => formatTxt(mark);

/** The mark an ownership record carries, or undefined when there is none to read. */
export function parseOwnership(contents: readonly string[] | undefined): string | undefined {
  if (contents?.length !== 1) return undefined;
  return parseTxt(contents[0]!) || undefined;
}
