// The ownership record: a TXT record beside each record set we create, saying whose it is (the
// registry idea of external-dns). Written and deleted in the same change batch as the record, so
// the two never drift apart.
//
// Its name is a child of the record's name, `_mooring-<type>[-<set>].<name>`, not a prefix glued
// to the first label (external-dns's `a-www`): a child works at the zone apex and below wildcards,
// and, unlike a TXT record at the record's own name, it can sit beside a CNAME. The type (and the
// weighted set identifier, hashed to fit a label) is in the name, so an A and an AAAA record, or
// two weighted sets, each have their own.
import { createHash } from 'node:crypto';
import { OWNERSHIP_PREFIX, TerminalError, WILDCARD_LABEL, reservedNameReason } from '../../../sdk/index.ts';

export { OWNERSHIP_PREFIX, WILDCARD_LABEL };
import { AwsReason } from '../common/classify.ts';
import { formatTxt, parseTxt } from './state.ts';

/** TTL of ownership records: nobody resolves them, so it hardly matters. */
export const OWNERSHIP_TTL = 300;
/** Route 53's limit on a name, trailing dot included. */
const MAX_NAME = 255;

/**
 * Refuses a record name in the ownership namespace, before any call: a label starting `_mooring`
 * (a record there could be, or sit below, another record set's ownership record, and writing it
 * forges that set's ownership), or a first label `_wildcard` (its ownership record would be that
 * of `*.<rest>`). The CRD schema refuses these names too; this guards objects and callers that
 * never went through it.
 */
export function refuseReservedName(name: string): void {
  const why = reservedNameReason(unescape(name));
  if (why) throw new TerminalError(AwsReason.ReservedName, `spec.name ${name}: ${why}; choose another name`);
}

/**
 * The name with its escapes undone, so `\137mooring` (Route 53 reads `\ddd` as octal) cannot hide a
 * label from the check; an escaped dot then splits too, which only refuses more.
 */
function unescape(name: string): string {
  return name.replace(/\\(?:([0-7]{3})|(.))/g, (_, octal: string | undefined, char: string | undefined) => (octal ? String.fromCharCode(parseInt(octal, 8)) : char!));
}

/** `_mooring-a.www.example.com.`; a leftmost `*` becomes `_wildcard` (a `*` elsewhere is a literal in DNS). */
export function ownershipName(fqdn: string, type: string, setIdentifier?: string): string {
  const set = setIdentifier === undefined ? '' : `-${createHash('sha256').update(setIdentifier).digest('hex').slice(0, 10)}`;
  const base = fqdn.startsWith('*.') ? `${WILDCARD_LABEL}.${fqdn.slice(2)}` : fqdn === '*' ? WILDCARD_LABEL : fqdn;
  const name = `${OWNERSHIP_PREFIX}-${type.toLowerCase()}${set}.${base}`;
  if (name.length > MAX_NAME) {
    throw new TerminalError(
      AwsReason.InvalidSpec,
      `the record name ${fqdn} is too long to carry its ownership record ${name.slice(0, 40)}… (${name.length} characters, Route 53 allows ${MAX_NAME}); choose a shorter name`,
    );
  }
  return name;
}

/** The ownership record's single value: the mark, as one quoted TXT string. */
export function ownershipValue(mark: string): string {
  return formatTxt(mark);
}

/** The mark an ownership record carries, or undefined when it has none (or is not ours to read). */
export function parseOwnership(values: readonly string[] | undefined): string | undefined {
  if (!values || values.length !== 1) return undefined;
  const mark = parseTxt(values[0]!);
  return mark || undefined;
}
