import * as z from 'zod/mini';
import type { CheckedFile } from '../../sources.js';
import { splitRef } from '../../openclaw/model.js';
import { predictedCompaction } from '../session.js';
import { recordFolder } from '../records/folder.js';
import { wiredConfigText } from '../wire/privateConfig.js';
import { makeCodewords } from '../experiments/codewords.js';
import type { Workload } from '../workloadSchema.js';
import type { ProbeView } from '../view/probeView.js';
import { probeSessionKey, ProbeRecordBase, runWiredProbe, type ProbeCommonOptions, type ProbeOutcome } from './common.js';
import type { RunnableProbe } from './module.js';
import {
  analyzeFill,
  FILL_RECALL_MESSAGE,
  FILL_VERDICTS,
  fillGrowthMessage,
  fillPlantMessage,
  fillRequests,
  fillSettled,
  fillStepTokens,
  FillRequestSchema,
  FillTurnSchema,
  GOOD_FILL_VERDICT,
  RegisteredSchema,
  serverContext,
  ServerContextSchema,
  type FillAnalysis,
  type FillTurn,
  type Registered,
  type ServerContext,
} from './fillAnalysis.js';

/**
 * `probe fill` (palette: Probe Usable Context): plants a codeword, grows one OpenClaw session turn by turn through
 * the probe wire until OpenClaw compacts, the server refuses or truncates, or the turn cap; then asks for the
 * codeword. The analysis (fillAnalysis.ts) reads what crossed the wire against OpenClaw's registered C and the
 * server's loaded context.
 */

export const DEFAULT_FILL_TURNS = 12;
export const MAX_FILL_TURNS = 40;

export const FillResultSchema = z.looseObject({
  codeword: z.string(),
  sessionKey: z.string(),
  registered: z.nullable(RegisteredSchema),
  server: ServerContextSchema,
  stepTokens: z.int(),
  maxTurns: z.int(),
  turns: z.array(FillTurnSchema),
  requests: z.array(FillRequestSchema),
  /** The recall turn's reply, cut to 300 characters (absent: the recall did not run). */
  recallReply: z.optional(z.string()),
  /** What the analysis concluded when the probe ran (the view recomputes it from the fields above). */
  verdict: z.enum(FILL_VERDICTS),
  codewordSurvived: z.nullable(z.boolean()),
});
export type FillResult = z.infer<typeof FillResultSchema>;

export const FillRecordSchema = z.looseObject({ ...ProbeRecordBase, kind: z.literal('fill'), result: z.optional(FillResultSchema) });
export type FillRecord = z.infer<typeof FillRecordSchema>;

const records = recordFolder('probes', 'fill probe', FillRecordSchema);

export function analyzeFillResult(r: FillResult): FillAnalysis {
  return analyzeFill({ requests: r.requests, turns: r.turns, registered: r.registered, server: r.server, codeword: r.codeword, ...(r.recallReply !== undefined ? { recallReply: r.recallReply } : {}) });
}

/** The primary OpenClaw runs `agent` with: the agent's own model, else agents.defaults' primary. */
function primaryRef(now: CheckedFile, agent: string): string | undefined {
  const refs = now.observation.model.refs;
  return (refs.find((r) => r.role === 'agent' && r.agentId === agent) ?? refs.find((r) => r.role === 'primary'))?.ref;
}

/** What OpenClaw believes (C and its trigger, by the installed release's math) and what the server loaded, from one look. */
export function fillFacts(now: CheckedFile, agent: string, requested: number | null = null): { ref?: string; registered: Registered | null; server: ServerContext } {
  const ref = primaryRef(now, agent);
  const p = predictedCompaction(now.observation, ref);
  const registered = p ? { model: p.model, contextTokens: p.contextTokens, reserveTokens: p.reserveTokens, compactAt: p.compactAt, formula: p.formula } : null;
  const parts = ref ? splitRef(ref) : undefined;
  const server = serverContext(parts ? now.observation.runtimes.get(parts.providerId) : undefined, parts?.modelId, requested);
  return { ...(ref ? { ref } : {}), registered, server };
}

export interface FillOptions {
  /** Turns in all, the plant and the recall included (3–40, default 12). */
  readonly maxTurns?: number;
  /** Tokens each growth turn adds (default: fillStepTokens). */
  readonly stepTokens?: number;
  readonly seed?: number;
}

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));

/** `--dry-run`: what would run (turns, servers wired, the profile), from a look; nothing is started. */
export function fillPlan(now: CheckedFile, o: { agent: string; profile?: string } & FillOptions): string[] {
  const maxTurns = o.maxTurns ?? DEFAULT_FILL_TURNS;
  const f = fillFacts(now, o.agent);
  const step = o.stepTokens ?? fillStepTokens({ compactAt: f.registered?.compactAt, serverContext: f.server.context, growthTurns: maxTurns - 2 });
  const wired = wiredConfigText(now.read.doc, (_id, upstream) => upstream);
  return [
    `probe fill: agent ${o.agent}, primary ${f.ref ?? '(none)'}${o.profile ? `, under profile ${o.profile} (applied first, the state from before put back at the end)` : ', as things are'}`,
    `config: ${now.file}`,
    `OpenClaw: registered C ${fmt(f.registered?.contextTokens)}, predicted compaction at ${fmt(f.registered?.compactAt)}${f.registered ? ` (${f.registered.formula})` : ''}${o.profile ? ' — as things are now; the profile may change them' : ''}`,
    `server: loaded context ${fmt(f.server.context)} (${f.server.source})`,
    `turns: 1 plant (a codeword), up to ${maxTurns - 2} growth turns of ~${fmt(step)} tokens each, 1 recall; growth stops at the first compaction, refusal or truncation`,
    ...[...new Set(wired.upstreams.values())].map((u) => `wired: ${u} (recorded through a loopback recorder)`),
    ...wired.notWired.map((n) => `not wired: provider ${n.provider} (${n.why})`),
  ];
}

const WORKLOAD: Workload = {
  name: 'fill',
  description: 'Plants a codeword and grows one OpenClaw session until a compaction, a refusal or a truncation: run it with local-ai-lab probe fill.',
  dispatcher: 'openclaw',
  transport: 'local',
  prompt: fillPlantMessage('LAL-MARK-FILL-000'),
  repeats: 1,
  timeoutSeconds: 600,
  maxOutputBytes: 8 * 1024 * 1024,
};

/** The fill probe for the CLI and the editor alike: one session grown through the wire, recorded in `<lab>/probes/<id>.json`. */
export async function runFillProbe(o: ProbeCommonOptions & FillOptions): Promise<ProbeOutcome<FillResult> & { record?: string }> {
  const maxTurns = Math.min(MAX_FILL_TURNS, Math.max(3, o.maxTurns ?? DEFAULT_FILL_TURNS));
  const codeword = makeCodewords(o.seed ?? Date.now()).find((c) => c.kind === 'rule')!.value;
  return runWiredProbe<FillResult>(
    { ...o, kind: 'fill', workload: { ...WORKLOAD, agent: o.agent } },
    async (ctx) => {
      const sessionKey = probeSessionKey(o.agent, 'fill');
      const facts = fillFacts(ctx.now, o.agent);
      const step = o.stepTokens ?? fillStepTokens({ compactAt: facts.registered?.compactAt, serverContext: facts.server.context, growthTurns: maxTurns - 2 });
      const turns: FillTurn[] = [];
      const snapshot = (recallReply?: string): FillResult => {
        const requests = fillRequests(ctx.wire.exchanges());
        // Ollama runs at the num_ctx the request sets, when it sets one.
        const requested = requests.find((r) => r.requestedContext)?.requestedContext ?? null;
        const server = requested ? fillFacts(ctx.now, o.agent, requested).server : facts.server;
        const base = { codeword, sessionKey, registered: facts.registered, server, stepTokens: step, maxTurns, turns: [...turns], requests, ...(recallReply !== undefined ? { recallReply: recallReply.slice(0, 300) } : {}) };
        const a = analyzeFill({ ...base, ...(recallReply !== undefined ? { recallReply } : {}) });
        return { ...base, verdict: a.verdict, codewordSurvived: a.codewordSurvived };
      };
      const turn = async (index: number, what: string, message: string) => {
        const r = await ctx.turn({ sessionKey, message, turnIndex: index, what });
        turns.push({ index, what, messageChars: message.length, ...(r.error ? { error: r.error } : {}) });
        return r;
      };
      const plant = await turn(0, 'plant', fillPlantMessage(codeword));
      if (plant.error && !ctx.wire.exchanges().length) return snapshot();
      for (let g = 1; g <= maxTurns - 2 && !ctx.signal.aborted; g++) {
        if (fillSettled(analyzeFillResult(snapshot())) || turns.at(-1)?.error) break;
        await turn(g, `grow ${g}`, fillGrowthMessage(g, step));
      }
      if (ctx.signal.aborted) return snapshot();
      const recall = await turn(turns.length, 'recall', FILL_RECALL_MESSAGE);
      return snapshot(recall.error ? '' : recall.reply);
    },
    ({ id, startedAt, config, notes, result, error }) =>
      records.write(o.root, { schemaVersion: 1, kind: 'fill', id, startedAt, agent: o.agent, profile: o.profile ?? null, config, notes, ...(result ? { result } : {}), ...(error ? { error } : {}) }),
  );
}

/** The record's verdict is the good one. */
export function fillGood(r: FillRecord): boolean {
  return !r.error && !!r.result && analyzeFillResult(r.result).verdict === GOOD_FILL_VERDICT;
}

const TABLE_HEAD = ['turn', 'message', 'sent ≈ tokens', 'server reported', 'what happened'];

function tableRows(r: FillResult, a: FillAnalysis): { cells: string[]; tone: 'good' | 'bad' | 'warn' | 'none' }[] {
  return a.points.map((p) => {
    const bad = p.events.some((e) => /^(the server|cut again|OpenClaw:|turn failed)/.test(e));
    const good = p.events.some((e) => e.startsWith('OpenClaw sent a compaction'));
    const recall = p.what === 'recall' && a.codewordSurvived !== null ? [a.codewordSurvived ? `codeword ${r.codeword} recalled` : `codeword ${r.codeword} not recalled`] : [];
    return { cells: [String(p.turn), p.what, fmt(p.sent), fmt(p.reported), [...p.events, ...recall].join('; ') || '—'], tone: bad ? 'bad' : good ? 'good' : 'none' };
  });
}

function headline(r: FillResult, a: FillAnalysis): string[] {
  return [
    `OpenClaw: registered C ${fmt(r.registered?.contextTokens)} for ${r.registered?.model ?? 'the primary'}, predicted compaction at ${fmt(r.registered?.compactAt)}${r.registered ? ` (${r.registered.formula})` : ''}`,
    `server: loaded context ${fmt(r.server.context)} (${r.server.source})`,
    `codeword ${r.codeword}: ${a.codewordSurvived === null ? 'the recall did not run' : a.codewordSurvived ? 'survived (the recall reply has it)' : 'lost (the recall reply lacks it)'}`,
  ];
}

export function fillView(rec: FillRecord): ProbeView {
  const title = `Usable context: agent ${rec.agent}${rec.profile ? ` under ${rec.profile}` : ''} (${rec.startedAt.slice(0, 16).replace('T', ' ')})`;
  if (!rec.result) {
    return { kind: 'fill', title, verdict: `no verdict: ${rec.error ?? 'the probe did not run'}`, tone: 'warn', notes: rec.notes, table: { caption: 'Turns', columns: TABLE_HEAD, rows: [] } };
  }
  const r = rec.result;
  const a = analyzeFillResult(r);
  const levels = [
    ...(r.registered ? [{ y: r.registered.contextTokens, label: `registered C ${fmt(r.registered.contextTokens)}` }, { y: r.registered.compactAt, label: `predicted trigger ${fmt(r.registered.compactAt)}` }] : []),
    ...(r.server.context ? [{ y: r.server.context, label: `server's loaded context ${fmt(r.server.context)}` }] : []),
  ];
  const marks = [
    ...(a.compaction ? [{ x: a.compaction.turn, label: 'compaction', tone: 'good' as const }] : []),
    ...(a.truncation ? [{ x: a.truncation.turn, label: 'truncation', tone: 'bad' as const }] : []),
    ...(a.refusal ? [{ x: a.refusal.turn, label: 'refusal', tone: 'bad' as const }] : []),
  ];
  return {
    kind: 'fill',
    title,
    verdict: `${a.verdict}: ${a.why}`,
    tone: rec.error ? 'warn' : a.tone,
    notes: [...headline(r, a), ...a.notes, ...rec.notes, ...(rec.error ? [`error: ${rec.error}`] : [])],
    table: { caption: `Prompt tokens per turn (growth step ~${fmt(r.stepTokens)} tokens, cap ${r.maxTurns} turns)`, columns: TABLE_HEAD, rows: tableRows(r, a) },
    curve: {
      xLabel: 'turn',
      yLabel: 'prompt tokens',
      points: [
        ...a.points.flatMap((p) => (p.reported !== null ? [{ x: p.turn, y: p.reported, tone: 'good' as const, label: `${p.what}: reported ${fmt(p.reported)}` }] : [])),
        ...a.points.flatMap((p) => (p.sent !== null ? [{ x: p.turn, y: p.sent, tone: 'none' as const, label: `${p.what}: sent ≈ ${fmt(p.sent)}` }] : [])),
      ],
      levels,
      series: [
        { tone: 'good', label: 'reported by the server' },
        { tone: 'none', label: 'sent (≈ request bytes / 4)' },
      ],
      marks,
    },
  };
}

/** The record for the terminal. */
export function fillLines(rec: FillRecord): string[] {
  const v = fillView(rec);
  const widths = v.table.columns.map((c, i) => Math.max(c.length, ...v.table.rows.map((r) => r.cells[i]!.length)));
  const row = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [`verdict: ${v.verdict}`, ...(rec.result ? headline(rec.result, analyzeFillResult(rec.result)) : []), row(v.table.columns), ...v.table.rows.map((r) => row(r.cells)), ...v.notes.slice(rec.result ? 3 : 0).map((n) => `note: ${n}`)];
}

export function fillSummary(rec: FillRecord): string {
  if (!rec.result) return `no verdict: ${rec.error ?? 'did not run'}`;
  const r = rec.result;
  const a = analyzeFillResult(r);
  return `${a.verdict} · C ${fmt(r.registered?.contextTokens)} · trigger ${fmt(r.registered?.compactAt)} · server ${fmt(r.server.context)} · codeword ${a.codewordSurvived === null ? 'not asked' : a.codewordSurvived ? 'kept' : 'lost'} · ${r.turns.length} turns`;
}

export const fillProbe: RunnableProbe<FillRecord> = {
  kind: 'fill',
  title: 'Probe Usable Context',
  read: (root, id) => records.read(root, id),
  list: (root) => records.list(root),
  view: fillView,
  summary: fillSummary,
  good: fillGood,
  run: (o) => runFillProbe(o),
};
