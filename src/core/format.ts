/** One formatter: `toLocaleString` would build one per call (a cold `check` spent 15 ms in it). */
const EN = new Intl.NumberFormat('en-US');

/** A count as people read it: 131,072. `missing` stands in for an unknown value. */
export function fmt(n: number | undefined, missing = 'unknown'): string {
  return n === undefined ? missing : EN.format(n);
}
