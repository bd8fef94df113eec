/**
 * Make Config Valid as the user reads it, for the CLI and the editor alike: its stages in our words while it works,
 * and what OpenClaw's doctor would also do in the result. Presentation only; what runs is run.ts.
 */

/** The first stage, before anything else is known: is the file valid already (then doctor does not run)? */
export const FIRST_STEP = 'asking OpenClaw whether it accepts the file as it is';

/**
 * One progress line in our words, or undefined for a line not to show. run.ts reports its stages; doctor's own
 * output (box drawing, "Disabled xurl", …) is about the private copy it repairs and reads, wrongly, as a change to
 * the user's file, so it is not passed on.
 */
export function migrateStep(line: string): string | undefined {
  if (line === 'running openclaw doctor --fix on a private copy') return "OpenClaw's doctor is working out what moves, on a private copy (your file is not changed until you apply)";
  let m = /^openclaw doctor stopped at (.+); running it again without them$/.exec(line);
  if (m) return `OpenClaw's doctor stopped at ${m[1]}; asking it again without ${m[1]!.includes(',') ? 'them' : 'it'}`;
  m = /^asking openclaw doctor where (.+) belongs?$/.exec(line);
  if (m) return `asking OpenClaw's doctor where ${m[1]} ${m[1]!.includes(',') ? 'belong' : 'belongs'}`;
  if (line.startsWith('openclaw doctor repaired these same bytes before')) return "OpenClaw's doctor repaired this same file before: its answer is reused";
  return undefined;
}

/** A validation round of our own fixes. */
export function validationStep(round: number): string {
  return `checking the result with OpenClaw's validator (round ${round})`;
}

/** A stage with the seconds it has taken so far, for a line that is redrawn while a stage lasts. */
export function withElapsed(step: string, seconds: number): string {
  return seconds >= 1 ? `${step} · ${Math.floor(seconds)} s` : step;
}

/**
 * "OpenClaw's doctor would also …" for the result: what doctor changed on its private copy that Make Config Valid
 * leaves out (not the user's values). The first `max` items; the rest counted.
 */
export function wouldAlsoLines(wouldAlso: readonly string[], max = Infinity): string[] {
  const shown = wouldAlso.slice(0, max).map((w) => `OpenClaw's doctor would also ${w} (left out: not your values).`);
  if (wouldAlso.length > max) shown.push(`…and ${wouldAlso.length - max} more of the same kind (in the log).`);
  return shown;
}
