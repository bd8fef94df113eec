/** A count as people read it: 131,072. `missing` stands in for an unknown value. */
export function fmt(n: number | undefined, missing = 'unknown'): string {
  return n === undefined ? missing : n.toLocaleString('en-US');
}
