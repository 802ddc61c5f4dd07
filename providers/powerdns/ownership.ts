// The ownership record: a TXT record beside each record set we write, saying whose it is. Named
// exactly as the Route 53 adapter names it, `_mooring-<type>.<name>`, so users read one scheme
// whichever server holds their zone: a child of the record's name (works at the apex and below a
// wildcard, and may sit beside a CNAME), with the type in it (an A and an AAAA each have their own).
import { OWNERSHIP_PREFIX, TerminalError, WILDCARD_LABEL, reservedNameReason } from '../../sdk/index.ts';

export { OWNERSHIP_PREFIX, WILDCARD_LABEL };
import { formatTxt, parseTxt } from './content.ts';
import { PdnsReason } from './reasons.ts';

/** Nobody resolves ownership records, so their TTL hardly matters. */
export const OWNERSHIP_TTL = 300;
/** DNS allows 255 octets on the wire: 253 characters of name, plus the trailing dot here. */
const MAX_NAME = 254;

/**
 * Refuses a record name in the ownership namespace, before any call: a label starting `_mooring`
 * (a record there could be, or sit below, another record set's ownership record, and writing it
 * forges that set's ownership), or a first label `_wildcard` (its ownership record would be that
 * of `*.<rest>`). mooring's CRD schema refuses these names too; this guards callers that skip it.
 */
export function refuseReservedName(name: string): void {
  const why = reservedNameReason(unescape(name));
  if (why) throw new TerminalError(PdnsReason.ReservedName, `spec.name ${name}: ${why}; choose another name`);
}

/**
 * The name with its escapes undone, so `\095mooring` (DNS presentation format: `\DDD` is decimal)
 * cannot hide a label from the check; an escaped dot then splits too, which only refuses more.
 */
function unescape(name: string): string {
  return name.replace(/\\(?:([0-9]{3})|(.))/g, (_, code: string | undefined, char: string | undefined) => (code ? String.fromCharCode(parseInt(code, 10)) : char!));
}

/** `_mooring-a.www.example.com.`; a leftmost `*` becomes `_wildcard` (PowerDNS allows `*` only leftmost). */
export function ownershipName(fqdn: string, type: string): string {
  const base = fqdn.startsWith('*.') ? `${WILDCARD_LABEL}.${fqdn.slice(2)}` : fqdn;
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
