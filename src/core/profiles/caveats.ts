import type { ProfileTarget } from './types.js';
import { memoryGB } from '../format.js';

/** What a profile will really set here: equal shapes make equal profiles, whatever their names promise. */
function shape(t: ProfileTarget): string {
  return JSON.stringify([
    t.primary.ref,
    t.primary.context.value,
    Math.min(t.budget.value, t.primary.context.value),
    t.compactor ? [t.compactor.ref, t.compactor.context.value] : null,
    t.mode?.value ?? null,
    t.recentTurnsPreserve?.value ?? null,
    t.keepRecentTokens?.value ?? null,
  ]);
}

/**
 * The truth a profile list must tell on this machine, per profile, in a few words: when the derived plan
 * dropped the compactor for lack of memory, and when it came out the same as another profile (switching
 * between them would change nothing).
 */
export function profileCaveats(targets: readonly ProfileTarget[], memoryBytes: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, text: string) => out.set(name, [...(out.get(name) ?? []), text]);
  const gb = memoryGB(memoryBytes);
  for (const t of targets) {
    if (!t.compactor && t.notes.some((n) => n.startsWith('no compactor: with it the loaded models need'))) add(t.name, `on ${gb}: no room for a compactor`);
    const twin = targets.find((o) => o !== t && shape(o) === shape(t));
    if (twin) add(t.name, `same as ${twin.name} here`);
  }
  return out;
}

/**
 * A profile's detail line in a list: what it will really do here first (the caveats, which a description line
 * cut off), then when it wins. A description that promises a compactor the plan dropped is not repeated as is.
 */
export function profileDetail(t: ProfileTarget, caveats: readonly string[]): string {
  const about = t.whenItWins || t.description;
  const promisesCompactor = !t.compactor && /compactor|compaction model/i.test(about);
  return [...caveats, promisesCompactor ? `${about.replace(/\.$/, '')} (here without a compactor)` : about].filter(Boolean).join(' — ');
}
