/**
 * One formatter, made on first need: `toLocaleString` would build one per call (a cold `check` spent 15 ms in it),
 * and building it at all loads ICU's number data (~7 ms of every start-up), so integers, nearly every count we
 * print, are grouped by hand the way en-US groups them.
 */
let en: Intl.NumberFormat | undefined;

/** A count as people read it: 131,072. `missing` stands in for an unknown value. */
export function fmt(n: number | undefined, missing = 'unknown'): string {
  if (n === undefined) return missing;
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
  return (en ??= new Intl.NumberFormat('en-US')).format(n);
}

/**
 * The lab's progress in one wording while it runs (before, "1 of 6 done" and "dispatch 5 of 6" alternated):
 * which dispatch, of how many, and whether it is running or done, with the last finished one's time.
 */
export function dispatchProgress(index: number, total: number, state: 'running' | 'done', last?: { seconds: number; problem?: string }): string {
  const tail = last ? ` (last ${last.seconds.toFixed(2)} s${last.problem ? `, ${last.problem}` : ''})` : '';
  return `dispatch ${fmt(index)} of ${fmt(total)} ${state}${tail}`;
}

/**
 * Memory as every message says it: GB of 1024³ bytes, as machines are sold and `free -g` prints, so one
 * machine is "24 GB" everywhere (it was 24, 25 and 26 GB in different messages).
 */
export function memoryGB(bytes: number, digits = 0): string {
  return `${(bytes / 1024 ** 3).toFixed(digits)} GB`;
}
