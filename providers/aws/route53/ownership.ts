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
import { TerminalError } from '../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { formatTxt, parseTxt } from './state.ts';

export const OWNERSHIP_PREFIX = '_mooring';
/** TTL of ownership records: nobody resolves them, so it hardly matters. */
export const OWNERSHIP_TTL = 300;
/** Route 53's limit on a name, trailing dot included. */
const MAX_NAME = 255;

/** `_mooring-a.www.example.com.`; a leftmost `*` becomes `_wildcard` (a `*` elsewhere is a literal in DNS). */
export function ownershipName(fqdn: string, type: string, setIdentifier?: string): string {
  const set = setIdentifier === undefined ? '' : `-${createHash('sha256').update(setIdentifier).digest('hex').slice(0, 10)}`;
  const base = fqdn.startsWith('*.') ? `_wildcard.${fqdn.slice(2)}` : fqdn === '*' ? '_wildcard' : fqdn;
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
