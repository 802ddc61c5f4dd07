// String order by code point, for canonical forms compared on both sides: `localeCompare` would
// page in ICU's collation data (about 3 MiB, resident from then on) for no gain.

/** Sorts strings by UTF-16 code unit, as `<` does. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
