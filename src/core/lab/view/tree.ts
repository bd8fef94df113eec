import fs from 'node:fs';
import path from 'node:path';
import { fmt } from '../../format.js';
import { summarizeSession } from '../summary.js';
import { lockSession, resolveSessionId, sessionDir, type LoadedSession } from '../records/store.js';
import type { ProfileTarget } from '../../profiles/types.js';
import type { CodewordRecord } from '../experiments/codewordRun.js';
import { survivedCounts } from '../experiments/codewords.js';
import type { SweepRecord } from '../experiments/sweepRun.js';
import type { ProbeModule, ProbeRecordLike } from '../probes/module.js';

/**
 * The Lab view's rows, as plain data: the VS Code adapter turns each into a TreeItem and nothing else, so
 * what the view says is decided (and tested) here.
 */

/** What a context-menu command receives: the row's node, a plain object that survives the trip through VS Code. */
export type LabNode =
  | { readonly kind: 'session'; readonly id: string }
  | { readonly kind: 'profile'; readonly name: string }
  | { readonly kind: 'sweep'; readonly id: string }
  | { readonly kind: 'codewords'; readonly id: string }
  | { readonly kind: 'probe'; readonly id: string };

export interface LabRow {
  readonly node: LabNode;
  readonly label: string;
  readonly description: string;
  readonly tooltip: string;
  /** A codicon id. */
  readonly icon: string;
  /** `labSession`, `labSession.resumable`, `profile`, `profile.inForce`: the menus' `viewItem` clauses key on these. */
  readonly contextValue: string;
}

const STATUS_ICON: Record<string, string> = {
  complete: 'pass',
  running: 'loading~spin',
  interrupted: 'debug-pause',
  cancelled: 'circle-slash',
  failed: 'error',
};

/** `20261201T141500Z` → `2026-12-01 14:15` (UTC, as the id is). */
function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ');
}

/** Newest first. A session that stopped short of its repeats and is not running can be resumed. */
export function sessionRows(sessions: readonly LoadedSession[]): LabRow[] {
  return [...sessions]
    .sort((a, b) => b.session.startedAt.localeCompare(a.session.startedAt) || b.session.id.localeCompare(a.session.id))
    .map(({ session: s, dispatches }) => {
      const sum = summarizeSession(dispatches);
      const done = `${dispatches.length}/${s.repeats}`;
      const median = sum.seconds ? `median ${sum.seconds.median.toFixed(2)} s` : 'no dispatch yet';
      const resumable = dispatches.length < s.repeats && s.status !== 'running';
      const profile = s.environment.profile ?? 'no profile';
      const split = sum.split.split ? `, ${sum.split.slow.length} slow of ${sum.n}${sum.split.tentative ? ' (tentative)' : ''}` : '';
      return {
        node: { kind: 'session', id: s.id },
        label: `${s.workload.name} · ${when(s.startedAt)}`,
        description: `${done} · ${median} · ${profile}`,
        tooltip:
          `${s.id}\n${s.status}: ${done} dispatches, ${median}${split}, completed ${Math.round(100 * sum.completed.value)} %` +
          `\nprofile: ${profile}${resumable ? '\nResume Lab Session runs the rest.' : ''}`,
        icon: STATUS_ICON[s.status] ?? 'circle-outline',
        contextValue: resumable ? 'labSession.resumable' : 'labSession',
      } satisfies LabRow;
    });
}

/** The profiles in their switcher order; the one in force is marked, and each row says what it sets here. */
export function profileRows(targets: readonly ProfileTarget[], inForce: string | undefined, drift: boolean, caveats: ReadonlyMap<string, readonly string[]> = new Map()): LabRow[] {
  return targets.map((t) => {
    const current = t.name === inForce;
    const sets = `primary ${fmt(t.primary.context.value, '—')} · budget ${fmt(Math.min(t.budget.value, t.primary.context.value), '—')} · ${t.compactor ? `compactor ${fmt(t.compactor.context.value, '—')}` : 'no compactor'}`;
    const notes = caveats.get(t.name) ?? [];
    return {
      node: { kind: 'profile', name: t.name },
      label: t.name,
      description: `${current ? (drift ? 'in force, drifted · ' : 'in force · ') : ''}${sets}${notes.length ? ` · ${notes.join('; ')}` : ''}`,
      tooltip: [t.description, t.whenItWins && `Wins: ${t.whenItWins}`, sets].filter(Boolean).join('\n'),
      icon: current ? (drift ? 'warning' : 'check') : 'beaker',
      contextValue: current ? 'profile.inForce' : 'profile',
    } satisfies LabRow;
  });
}

/**
 * Sweeps and codeword probes, newest first: a sweep says how it ended and which variants broke completion
 * (coupled) or helped (additive); a probe says, per codeword, in how many sessions it survived the summary.
 */
export function experimentRows(sweeps: readonly SweepRecord[], probes: readonly CodewordRecord[], wireProbes: readonly { readonly module: ProbeModule; readonly record: ProbeRecordLike }[] = []): LabRow[] {
  const rows: { at: string; row: LabRow }[] = [];
  for (const sw of sweeps) {
    const variants = sw.arms.slice(1);
    const by = (v: string) => variants.filter((a) => a.verdict === v).map((a) => a.name);
    const verdicts = [by('coupled').length ? `coupled: ${by('coupled').join(', ')}` : '', by('additive').length ? `additive: ${by('additive').join(', ')}` : ''].filter(Boolean).join(' · ');
    rows.push({
      at: sw.startedAt,
      row: {
        node: { kind: 'sweep', id: sw.id },
        label: `sweep ${sw.workload} from ${sw.base} · ${when(sw.startedAt)}`,
        description: `${sw.status === 'complete' ? '' : `${sw.status} · `}${variants.length} variant${variants.length === 1 ? '' : 's'} ×${sw.n}${verdicts ? ` · ${verdicts}` : ''}`,
        tooltip: [`${sw.id} (${sw.status}, OpenClaw ${sw.openclawVersion ?? 'version unknown'})`, ...variants.map((a) => `${a.name}: ${a.from ?? 'none'} → ${a.to ?? 'none'} — ${a.error ? `not run: ${a.error}` : (a.verdict ?? 'not judged yet')}`)].join('\n'),
        icon: STATUS_ICON[sw.status] ?? 'beaker',
        contextValue: 'labSweep',
      },
    });
  }
  for (const p of probes) {
    const counts = survivedCounts(p.sessions);
    const summary = Object.entries(counts).map(([k, v]) => `${k} ${v.survived}/${v.of}`).join(' · ');
    const failed = p.sessions.filter((x) => x.error).length;
    rows.push({
      at: p.startedAt,
      row: {
        node: { kind: 'codewords', id: p.id },
        label: `codewords · agent ${p.agent} · ${when(p.startedAt)}`,
        description: `${p.sessions.length} session${p.sessions.length === 1 ? '' : 's'}${p.profile ? ` · ${p.profile}` : ''} · ${summary || 'nothing judged'}${failed ? ` · ${failed} failed` : ''}`,
        tooltip: `${p.id}\nSurvived the summary (sessions with a compaction): ${summary || 'none'}\nconfig: ${p.config}`,
        icon: failed ? 'warning' : 'symbol-key',
        contextValue: 'labCodewords',
      },
    });
  }
  // The wire probes (prefix-stability, tools, fill): each says its verdict in its own words.
  for (const { module, record: p } of wireProbes) {
    rows.push({
      at: p.startedAt,
      row: {
        node: { kind: 'probe', id: p.id },
        label: `${p.kind} · agent ${p.agent} · ${when(p.startedAt)}`,
        description: `${p.profile ? `${p.profile} · ` : ''}${p.error ? `did not finish: ${p.error}` : module.summary(p)}`,
        tooltip: `${p.id}\n${module.title}${p.error ? `\n${p.error}` : ''}`,
        icon: p.error ? 'warning' : 'pulse',
        contextValue: 'labProbe',
      },
    });
  }
  return rows.sort((a, b) => b.at.localeCompare(a.at)).map((r) => r.row);
}

export class SessionDeleteRefused extends Error {}

/**
 * Deletes a lab session's folder. It takes the session's lock first, so a session a live process is running
 * is refused (SessionLocked) rather than pulled from under it; the folder is renamed aside before it is
 * removed, so a reader never sees half a session. Returns the folder that was removed.
 */
export function deleteSession(root: string, idOrPrefix: string): string {
  const id = resolveSessionId(root, idOrPrefix);
  const dir = sessionDir(root, id);
  const release = lockSession(root, id);
  const trash = path.join(root, 'runs', `.deleting-${id}-${process.pid}`);
  try {
    fs.renameSync(dir, trash);
  } catch (err) {
    release();
    throw new SessionDeleteRefused(`could not delete lab session ${id}: ${(err as Error).message}`);
  }
  fs.rmSync(trash, { recursive: true, force: true });
  return dir;
}

/**
 * Where a view watches the lab folder from. A file watcher whose folder does not exist yet never fires, and
 * `.local-ai-lab/` is only made by the first lab session, sweep or probe: so watch the nearest folder that
 * exists, with the rest of the path in the pattern (glob separators are `/` on every platform).
 */
export function labWatch(labDir: string, pattern: string, exists: (p: string) => boolean = fs.existsSync): { base: string; pattern: string } {
  let base = path.resolve(labDir);
  const below: string[] = [];
  while (!exists(base)) {
    const up = path.dirname(base);
    if (up === base) break;
    below.unshift(path.basename(base));
    base = up;
  }
  return { base, pattern: [...below, pattern].join('/') };
}
