import fs from 'node:fs';
import type { ProbeModule } from './module.js';
import path from 'node:path';
import * as z from 'zod/mini';
import type { ConfigDocument } from '../../openclaw/document.js';
import { toValue } from '../../openclaw/document.js';
import { stateEnvFor } from '../../openclaw/locate.js';
import { recordFolder } from '../records/folder.js';
import { wiredConfigText } from '../wire/privateConfig.js';
import type { Workload } from '../workloadSchema.js';
import { workspaceFromConfig } from '../experiments/promptSections.js';
import { probeSessionKey, ProbeRecordBase, runWiredProbe, type ProbeCommonOptions, type ProbeOutcome, type ProbeView, type Tone } from './common.js';
import { modelExchanges } from './probeWire.js';
import { analyzePrefix, CAUSES, type PrefixAnalysis, type PrefixRequest } from './prefixAnalysis.js';

/**
 * `probe prefix-stability` (palette: Probe Prompt-Cache Reuse): one OpenClaw session of a few turns through the probe
 * wire; each model request compared with the previous one (what changed, and where inside the system prompt), the
 * server's cache counter against what an append-only session would reuse, each cache bust attributed to a cause, the
 * prefill seconds lost per cause and the fix where one exists (analysis: prefixAnalysis.ts).
 */

/** The interface every #24 probe exports (the lead moves it into common.ts at merge). */
export const PREFIX_DEFAULT_TURNS = 4;
export const PREFIX_MAX_TURNS = 12;

/** The probe's turn messages: short, tool-free, each different (the history grows by one small exchange a turn). */
export function prefixTurnMessage(i: number, of: number): string {
  return `Prompt-cache probe, turn ${i + 1} of ${of}. Without using any tool, reply with one short sentence: what is ${i + 2} times 3?`;
}

/** The endpoint check's workload (the wire probe runs its own turns). */
export const PREFIX_WORKLOAD: Workload = {
  name: 'prefix-stability',
  description: 'A few short turns in one OpenClaw session; the probe compares each model request with the previous one and reads the server\'s cache counters.',
  dispatcher: 'openclaw',
  transport: 'local',
  prompt: prefixTurnMessage(0, PREFIX_DEFAULT_TURNS),
  repeats: 1,
  timeoutSeconds: 600,
  maxOutputBytes: 8 * 1024 * 1024,
};

const Nullable = <T extends z.ZodMiniType>(t: T) => z.nullable(t);
const RequestSchema = z.looseObject({
  index: z.int(),
  turn: Nullable(z.int()),
  kind: z.enum(['model', 'summary', 'memory-flush']),
  messages: Nullable(z.number()),
  firstChangedMessage: Nullable(z.int()),
  changedAt: Nullable(z.string()),
  changedSection: Nullable(z.string()),
  toolsChanged: z.boolean(),
  promptTokens: Nullable(z.number()),
  cachedTokens: Nullable(z.number()),
  counter: Nullable(z.string()),
  reusableTokens: Nullable(z.number()),
  unchangedTokens: Nullable(z.number()),
  prefillMs: Nullable(z.number()),
  prefillSource: Nullable(z.enum(['server', 'first token'])),
  bust: z.boolean(),
  cause: Nullable(z.enum(CAUSES)),
  lostMs: Nullable(z.number()),
  detail: Nullable(z.string()),
});

const ResultSchema = z.looseObject({
  sessionKey: z.string(),
  turnsRun: z.int(),
  /** The workspace file the probe appended a line to before turn 2 (and put back after the last turn). */
  touched: Nullable(z.string()),
  verdict: z.string(),
  tone: z.enum(['good', 'bad', 'warn', 'none']),
  busts: z.int(),
  summaries: z.int(),
  counters: z.string(),
  requests: z.array(RequestSchema),
  byCause: z.array(z.looseObject({ cause: z.enum(CAUSES), busts: z.int(), lostMs: z.number(), fix: Nullable(z.string()) })),
  notes: z.array(z.string()),
  /** A turn that failed (the session stopped there; what crossed before it is analysed). */
  turnError: z.optional(z.string()),
});
export type PrefixStabilityResult = z.infer<typeof ResultSchema>;

export const PrefixStabilityRecordSchema = z.looseObject({
  ...ProbeRecordBase,
  kind: z.literal('prefix-stability'),
  turns: z.int(),
  result: z.optional(ResultSchema),
});
export type PrefixStabilityRecord = z.infer<typeof PrefixStabilityRecordSchema>;

const folder = recordFolder('probes', 'prefix-stability probe', PrefixStabilityRecordSchema);

const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** The verdict of an analysis: good with no bust, bad with any, warn when there was nothing to compare. */
export function prefixVerdict(a: PrefixAnalysis, turnError?: string): { verdict: string; tone: Tone } {
  const compared = a.requests.filter((q) => q.kind === 'model' && q.reusableTokens !== null).length;
  if (a.busts) {
    const lost = a.byCause.reduce((n, c) => n + c.lostMs, 0);
    return { verdict: `${a.busts} cache bust${a.busts === 1 ? '' : 's'} in ${compared + 1} model requests, ~${secs(lost)} of prefill lost: ${a.byCause.map((c) => `${c.cause} ×${c.busts}`).join(', ')}`, tone: 'bad' };
  }
  if (!compared) return { verdict: turnError ? `no two model requests to compare (${turnError})` : 'no two model requests to compare', tone: 'warn' };
  return { verdict: `no cache bust in ${compared + 1} model requests: each reused the previous prefix`, tone: turnError ? 'warn' : 'good' };
}

export function prefixResult(o: { sessionKey: string; turnsRun: number; touched: string | null; analysis: PrefixAnalysis; turnError?: string }): PrefixStabilityResult {
  const a = o.analysis;
  return { sessionKey: o.sessionKey, turnsRun: o.turnsRun, touched: o.touched, ...prefixVerdict(a, o.turnError), busts: a.busts, summaries: a.summaries, counters: a.counters, requests: a.requests.map((q) => ({ ...q })), byCause: a.byCause.map((c) => ({ ...c })), notes: [...a.notes], ...(o.turnError ? { turnError: o.turnError } : {}) };
}

export interface PrefixStabilityOptions extends ProbeCommonOptions {
  /** Turns in the session (default 4, at most 12). */
  readonly turns?: number;
  /** Append a line to this workspace file (a name such as AGENTS.md) before turn 2, to show what an edit costs; put back after the last turn. */
  readonly touchWorkspaceFile?: string;
  /** Called before each turn after the first (turnIndex from 1): a test's or a caller's change between turns. */
  readonly betweenTurns?: (turnIndex: number, ctx: { readonly workspaceDir: string | undefined }) => Promise<void>;
}

/** A workspace file name the probe may touch: a plain file name, no folders. */
export function isWorkspaceFileName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name) && !name.includes('..');
}

/** Appends the probe's line to `file`, returning how to put the bytes back. */
function touchFile(file: string): () => void {
  const st = fs.statSync(file);
  if (!st.isFile()) throw new Error(`${file} is not a regular file`);
  if (st.size > 4 * 1024 * 1024) throw new Error(`${file} is over 4 MB; the probe touches only a workspace file`);
  const before = fs.readFileSync(file);
  fs.appendFileSync(file, `${before.length && before[before.length - 1] !== 0x0a ? '\n' : ''}(A line added by the local-ai-lab prefix-stability probe at ${new Date().toISOString()}; it is removed after the probe.)\n`);
  return () => fs.writeFileSync(file, before);
}

/**
 * The probe for the CLI and the editor alike: the driver's arm (as is, or under a profile, put back at the end), the
 * endpoint checked, `turns` OpenClaw turns in one session through the probe wire, the analysis, the record written.
 */
export async function runPrefixStabilityProbe(o: PrefixStabilityOptions): Promise<ProbeOutcome<PrefixStabilityResult> & { record?: string }> {
  const turns = Math.max(1, Math.min(PREFIX_MAX_TURNS, o.turns ?? PREFIX_DEFAULT_TURNS));
  if (o.touchWorkspaceFile !== undefined && !isWorkspaceFileName(o.touchWorkspaceFile)) throw new Error(`not a workspace file name: "${o.touchWorkspaceFile}"`);
  return runWiredProbe<PrefixStabilityResult>(
    { ...o, kind: 'prefix-stability', workload: { ...PREFIX_WORKLOAD, agent: o.agent } },
    async (ctx) => {
      const sessionKey = probeSessionKey(o.agent, 'prefix');
      let workspaceDir: string | undefined;
      let touched: string | null = null;
      let restore: (() => void) | undefined;
      let turnsRun = 0;
      let turnError: string | undefined;
      try {
        for (let t = 0; t < turns && !ctx.signal.aborted; t++) {
          if (t > 0) {
            await o.betweenTurns?.(t, { workspaceDir });
            if (t === 1 && o.touchWorkspaceFile) {
              const dir = workspaceDir ?? workspaceFromConfig(toValue(ctx.now.read.doc.root), o.agent, { ...process.env, ...stateEnvFor(ctx.now.file) });
              const file = path.join(dir, o.touchWorkspaceFile);
              if (!fs.existsSync(file)) throw new Error(`--touch-workspace-file: ${file} does not exist`);
              restore = touchFile(file);
              touched = file;
            }
          }
          const r = await ctx.turn({ sessionKey, message: prefixTurnMessage(t, turns), turnIndex: t, what: `turn ${t + 1}/${turns}` });
          turnsRun++;
          workspaceDir ??= r.workspaceDir;
          if (r.error || r.exitCode !== 0) {
            turnError = `turn ${t + 1}: ${r.error ?? `openclaw exited ${r.exitCode}`}`;
            break;
          }
        }
      } finally {
        restore?.();
      }
      if (ctx.signal.aborted && !turnError) turnError = 'cancelled';
      // The recorder writes an exchange's record as its answer ends; the turn's process has ended by now.
      await new Promise((res) => setTimeout(res, 50));
      const xs = modelExchanges(ctx.wire.exchanges()).filter((x) => x.record.dispatch !== null);
      return prefixResult({ sessionKey, turnsRun, touched, analysis: analyzePrefix(xs), ...(turnError ? { turnError } : {}) });
    },
    (x) => folder.write(o.root, { schemaVersion: 1, kind: 'prefix-stability', id: x.id, startedAt: x.startedAt, agent: o.agent, profile: o.profile ?? null, config: x.config, notes: x.notes, turns, ...(x.result ? { result: x.result } : {}), ...(x.error ? { error: x.error } : {}) }),
  );
}

export interface PrefixStabilityPlan {
  readonly kind: 'prefix-stability';
  readonly config: string;
  readonly agent: string;
  readonly turns: number;
  readonly timeoutSeconds: number;
  readonly profile: string | null;
  readonly touchWorkspaceFile: string | null;
  /** The servers the wire records, by provider. */
  readonly wired: { provider: string; upstream: string }[];
  readonly notWired: { provider: string; why: string }[];
  readonly messages: string[];
}

/** What `--dry-run` says would run: nothing is started, written or touched. */
export function prefixStabilityPlan(o: { file: string; doc: ConfigDocument; agent: string; turns?: number; timeoutMs: number; profile?: string; touchWorkspaceFile?: string }): PrefixStabilityPlan {
  const turns = Math.max(1, Math.min(PREFIX_MAX_TURNS, o.turns ?? PREFIX_DEFAULT_TURNS));
  const w = wiredConfigText(o.doc, (_id, upstream) => upstream);
  return {
    kind: 'prefix-stability',
    config: o.file,
    agent: o.agent,
    turns,
    timeoutSeconds: Math.round(o.timeoutMs / 1000),
    profile: o.profile ?? null,
    touchWorkspaceFile: o.touchWorkspaceFile ?? null,
    wired: [...w.upstreams].map(([provider, upstream]) => ({ provider, upstream })),
    notWired: w.notWired.map((n) => ({ ...n })),
    messages: Array.from({ length: turns }, (_, i) => prefixTurnMessage(i, turns)),
  };
}

export function prefixPlanLines(p: PrefixStabilityPlan): string[] {
  return [
    `probe prefix-stability: ${p.turns} turn${p.turns === 1 ? '' : 's'} of agent ${p.agent} in one new session (openclaw agent --local, ${p.timeoutSeconds} s each)${p.profile ? ` under profile ${p.profile} (applied first, put back at the end)` : ', config as it is'}`,
    `config: ${p.config} (OpenClaw runs a private copy pointed at the recorders)`,
    ...p.wired.map((s) => `recorded: provider ${s.provider} → ${s.upstream}`),
    ...p.notWired.map((s) => `not recorded: provider ${s.provider} (${s.why})`),
    ...(p.touchWorkspaceFile ? [`before turn 2: one line appended to ${p.touchWorkspaceFile} in the agent's workspace (its bytes put back after the last turn)`] : []),
  ];
}

const tok = (n: number | null) => (n === null ? '—' : String(Math.round(n)));

function cells(q: PrefixRequest | PrefixStabilityResult['requests'][number]): string[] {
  return [
    String(q.index + 1),
    q.turn === null ? '—' : String(q.turn + 1),
    q.kind,
    q.kind !== 'model' ? '—' : q.changedAt === null ? (q.firstChangedMessage === null ? '(first)' : String(q.firstChangedMessage)) : `${q.firstChangedMessage ?? '—'} (${q.changedAt})`,
    q.changedSection ?? '—',
    q.counter === null && q.cachedTokens === null ? `no counter / ${tok(q.promptTokens)}` : `${tok(q.cachedTokens)} / ${tok(q.promptTokens)}`,
    q.prefillMs === null ? '—' : `${secs(q.prefillMs)}${q.prefillSource === 'first token' ? ' (first token)' : ''}`,
    q.bust ? 'BUST' : '',
    q.cause ?? '',
    q.lostMs === null ? '' : secs(q.lostMs),
  ];
}

const COLUMNS = ['#', 'turn', 'request', 'first changed', 'changed section', 'cached / prompt', 'prefill', 'bust', 'cause', 'lost'];

export function prefixStabilityView(r: PrefixStabilityRecord): ProbeView {
  const res = r.result;
  if (!res) return { kind: 'prefix-stability', title: 'Prompt-cache reuse', verdict: r.error ? `the probe did not finish: ${r.error}` : 'no result', tone: 'bad', notes: [...r.notes], table: { caption: 'Model requests', columns: COLUMNS, rows: [] } };
  return {
    kind: 'prefix-stability',
    title: `Prompt-cache reuse: ${res.turnsRun} turn${res.turnsRun === 1 ? '' : 's'} of agent ${r.agent}${r.profile ? ` under ${r.profile}` : ''}`,
    verdict: res.verdict,
    tone: res.tone,
    notes: [
      `cache counter: ${res.counters}`,
      ...res.byCause.map((c) => `${c.cause}: ${c.busts} bust${c.busts === 1 ? '' : 's'}, ~${secs(c.lostMs)} lost${c.fix ? `. Fix: ${c.fix}` : ''}`),
      'seconds lost: each bust\'s prefill per processed token × the tokens the server did not reuse of what an append-only session would (an estimate)',
      ...(res.touched ? [`${res.touched} was touched before turn 2 and put back after the last turn`] : []),
      ...(res.turnError ? [res.turnError] : []),
      ...res.notes,
      ...r.notes,
    ],
    table: {
      caption: 'Model requests, each against the previous one of the session',
      columns: COLUMNS,
      rows: res.requests.map((q) => ({ cells: cells(q), tone: q.bust ? 'bad' : q.kind !== 'model' ? 'none' : q.reusableTokens === null ? 'none' : 'good' })),
    },
    curve: {
      xLabel: 'request',
      yLabel: 'prefill (s)',
      points: res.requests.filter((q) => q.prefillMs !== null).map((q) => ({ x: q.index + 1, y: q.prefillMs! / 1000, tone: q.bust ? 'bad' : q.kind !== 'model' ? 'none' : 'good', label: q.kind === 'model' ? `turn ${(q.turn ?? 0) + 1}` : q.kind })),
      levels: [],
      series: [
        { tone: 'good', label: 'prefill, the prefix reused' },
        { tone: 'bad', label: 'prefill after a cache bust' },
        { tone: 'none', label: 'prefill, nothing to reuse (the first request, a summary)' },
      ],
      marks: res.requests.filter((q) => q.bust).map((q) => ({ x: q.index + 1, label: q.cause ?? 'bust', tone: 'bad' as const })),
    },
  };
}

export function prefixStabilitySummary(r: PrefixStabilityRecord): string {
  const res = r.result;
  if (!res) return r.error ? `did not finish: ${r.error}` : 'no result';
  if (!res.busts) return `${res.tone === 'good' ? 'no cache bust' : res.verdict} · ${res.requests.filter((q) => q.kind === 'model').length} requests`;
  return `${res.busts} bust${res.busts === 1 ? '' : 's'} · ${res.byCause.map((c) => c.cause).join(', ')} · ~${secs(res.byCause.reduce((n, c) => n + c.lostMs, 0))} lost`;
}

/** The record for a terminal. */
export function prefixStabilityLines(r: PrefixStabilityRecord): string[] {
  const res = r.result;
  if (!res) return [r.error ? `the probe did not finish: ${r.error}` : 'no result'];
  const rows = res.requests.map(cells);
  const widths = COLUMNS.map((c, i) => Math.min(48, Math.max(c.length, ...rows.map((row) => row[i]!.length))));
  const line = (row: string[]) => row.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [`session ${res.sessionKey}: ${res.turnsRun} turn${res.turnsRun === 1 ? '' : 's'}, cache counter: ${res.counters}`, line(COLUMNS), ...rows.map(line)];
  for (const q of res.requests) if (q.bust && q.detail) out.push(`request ${q.index + 1}: ${q.detail}`);
  for (const c of res.byCause) out.push(`${c.cause}: ${c.busts} bust${c.busts === 1 ? '' : 's'}, ~${secs(c.lostMs)} of prefill lost${c.fix ? `\n  fix: ${c.fix}` : ''}`);
  if (res.touched) out.push(`touched ${res.touched} before turn 2 (put back after the last turn)`);
  if (res.turnError) out.push(`stopped: ${res.turnError}`);
  for (const n of [...res.notes, ...r.notes]) out.push(`note: ${n}`);
  out.push(`verdict: ${res.verdict}`);
  return out;
}

export const prefixStabilityProbe: ProbeModule<PrefixStabilityRecord> = {
  kind: 'prefix-stability',
  title: 'Probe Prompt-Cache Reuse',
  read: folder.read,
  list: folder.list,
  view: prefixStabilityView,
  summary: prefixStabilitySummary,
};
