// The ownership record: a TXT record beside each record set the kit writes, saying whose it is
// (the registry idea of external-dns), written and deleted in the same atomic batch as the record
// set, so the two never drift apart.
//
// Its name is a child of the record's name, `_mooring-<type>[-<set>].<name>`, not a prefix glued
// to the first label (external-dns's `a-www`): a child works at the zone apex and below wildcards,
// and, unlike a TXT record at the record's own name, it can sit beside a CNAME. The type (and the
// weighted set identifier, hashed to fit a label) is in the name, so an A and an AAAA record, or
// two weighted sets, each have their own. Every backend names it alike, so users read one scheme.
import { createHash } from 'node:crypto';
import { TerminalError } from '../errors.ts';
import { OWNERSHIP_PREFIX, WILDCARD_LABEL, reservedNameReason } from '../ownership-names.ts';
import { ProviderReason } from '../reasons.ts';
import { nameTooLong, unescape, type EscapeSyntax } from './names.ts';
import { formatTxt, parseTxt } from './txt.ts';

/** TTL of ownership records: nobody resolves them, so it hardly matters. */
export const OWNERSHIP_TTL = 300;

/**
 * Refuses a record name in the ownership namespace (sdk/ownership-names.ts), before any call. The
 * name's escapes are undone first, so `\137mooring` (octal) or `\095mooring` (decimal) cannot hide
 * a label from the check; an escaped dot then splits too, which only refuses more. The CRD schema
 * refuses these names too; this guards objects and callers that never went through it.
 */
export function refuseReservedName(name: string, escapes: EscapeSyntax): void {
  const why = reservedNameReason(unescape(name, escapes));
  if (why) throw new TerminalError(ProviderReason.ReservedName, `spec.name ${name}: ${why}; choose another name`);
}

/** `_mooring-a.www.example.com.`; a leftmost `*` becomes `_wildcard` (a `*` elsewhere is a literal in DNS). */
export function ownershipName(fqdn: string, type: string, setIdentifier?: string): string {
  const set = setIdentifier === undefined ? '' : `-${createHash('sha256').update(setIdentifier).digest('hex').slice(0, 10)}`;
  const base = fqdn.startsWith('*.') ? `${WILDCARD_LABEL}.${fqdn.slice(2)}` : fqdn === '*' ? WILDCARD_LABEL : fqdn;
  const name = `${OWNERSHIP_PREFIX}-${type.toLowerCase()}${set}.${base}`;
  const tooLong = nameTooLong(name);
  if (tooLong) {
    throw new TerminalError(ProviderReason.InvalidSpec, `the record name ${fqdn} is too long to carry its ownership record ${name.slice(0, 40)}… (${tooLong}); choose a shorter name`);
  }
  return name;
}

/** The ownership record's single value: the mark, as one quoted TXT string. */
export const ownershipValue = (mark: string): string => formatTxt(mark);

/** The mark an ownership record carries, or undefined when it has none (or is not ours to read). */
export function parseOwnership(values: readonly string[] | undefined, escapes: EscapeSyntax): string | undefined {
  if (values?.length !== 1) return undefined;
  return parseTxt(values[0]!, escapes) || undefined;
}
