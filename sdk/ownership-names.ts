// The DNS ownership namespace, shared by every DNS backend: ownership records are children named
// `_mooring-<type>[-<set>].<name>`, and a leftmost `*` becomes `_wildcard` in them. A record set a
// resource may name there could forge another set's ownership record, so each backend refuses it
// (after undoing its own escape syntax) with the reason this gives.

export const OWNERSHIP_PREFIX = '_mooring';
/** What a leftmost `*` becomes in an ownership record's name. */
export const WILDCARD_LABEL = '_wildcard';

/**
 * Why a record name (escapes already undone) lies in the ownership namespace, or undefined: a label
 * starting `_mooring` (it could be, or sit below, another set's ownership record), or a first label
 * `_wildcard` (its ownership record would be that of `*.<rest>`).
 */
export function reservedNameReason(unescaped: string): string | undefined {
  const labels = unescaped.toLowerCase().split('.');
  if (labels.some((l) => l.startsWith(OWNERSHIP_PREFIX))) return `a label starting with ${OWNERSHIP_PREFIX} is reserved for ownership records (_mooring-<type>.<name>)`;
  if (labels[0] === WILDCARD_LABEL) return `a first label ${WILDCARD_LABEL} is reserved: it would share the ownership record of the wildcard *.${labels.slice(1).join('.')}`;
  return undefined;
}
