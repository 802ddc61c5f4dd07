// String order by code point. `localeCompare` is ICU's collator: its first use pages in about
// 3 MiB of collation data that then stays resident (docs/performance.md), for an order the
// operator only needs to be stable (canonical forms, sorted keys).

/** Sorts strings by UTF-16 code unit, as `<` does: the same on every host and locale. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
