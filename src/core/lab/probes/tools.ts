import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import type { CheckedFile } from '../../sources.js';
import { child, parseDocument, stringAt, toValue } from '../../openclaw/document.js';
import { replaceValue, setMember, type DocEdits } from '../../openclaw/edit.js';
import { buildModel, findProvider, findRow, splitRef, type ConfigModel } from '../../openclaw/model.js';
import { validateConfig } from '../../openclaw/cli.js';
import { stateEnvFor } from '../../openclaw/locate.js';
import { defaultApi, rowTransport, compatFlag } from '../../rules/transport.js';
import { applyEdits } from '../../text.js';
import { randomHex } from '../../fsutil.js';
import { millis } from '../../units.js';
import { workspaceFromConfig } from '../experiments/promptSections.js';
import { look } from '../look.js';
import { recordFolder } from '../records/folder.js';
import { wiredConfigText } from '../wire/privateConfig.js';
import type { Workload } from '../workloadSchema.js';
import { probeSessionKey, ProbeRecordBase, runWiredProbe, type ProbeCommonOptions, type ProbeContext, type ProbeOutcome, type ProbeTurn, type ProbeView, type Tone } from './common.js';
import type { ProbeModule } from './module.js';
import { API_MODES, analyzeTask, judgeRows, makeNonce, MODE_API, modeOfApi, overallGood, taskPlan, TOOL_TASKS, TOOL_VERDICTS, type ApiMode, type RowFacts, type RowResult, type TaskOutcome, type TaskPlan, type ToolTask } from './toolsAnalysis.js';

/**
 * `probe tools` (#24, palette "Probe Tool Calling"): per model × API mode, the model OpenClaw actually uses runs a
 * few short tasks through the real OpenClaw and the probe wire. Each task's answer needs a tool result carrying a
 * fresh random code (a file the probe writes into the agent's workspace and removes afterwards), and one task's
 * honest answer is that it cannot be done. What crossed the wire decides each row's verdict (toolsAnalysis.ts).
 * Another API mode runs on a private copy of the config whose provider `api` is changed, which OpenClaw's validator
 * must accept first; the user's file is never touched.
 */


/** A whole probe runs at most this many OpenClaw turns (rows × tasks). */
export const MAX_TOOLS_TURNS = 30;

/** A request the probe cannot run as asked (an unknown model, a mode it does not know): usage, exit 2. */
export class ToolsPlanError extends Error {}

/* ---------- the record ---------- */

const Task = z.enum(TOOL_TASKS);
const Mode = z.enum(API_MODES);
const TaskOutcomeSchema = z.looseObject({
  task: Task,
  requests: z.number(),
  toolsOffered: z.nullable(z.number()),
  model: z.nullable(z.string()),
  toolCalls: z.array(z.string()),
  toolCallsAsText: z.nullable(z.string()),
  reasoningInContent: z.nullable(z.string()),
  reasoningInReply: z.boolean(),
  reasoningStreamed: z.boolean(),
  nonceInToolResult: z.boolean(),
  nonceInReply: z.boolean(),
  invented: z.nullable(z.string()),
  hang: z.nullable(z.enum(['stream', 'loop'])),
  completed: z.boolean(),
  right: z.boolean(),
  reply: z.string(),
  error: z.optional(z.string()),
});
const RowSchema = z.looseObject({
  ref: z.string(),
  mode: Mode,
  configuredApi: z.string(),
  reasoning: z.nullable(z.boolean()),
  supportsTools: z.nullable(z.boolean()),
  server: z.nullable(z.string()),
  tasks: z.array(TaskOutcomeSchema),
  verdict: z.enum(TOOL_VERDICTS),
  evidence: z.string(),
  fix: z.nullable(z.looseObject({ change: z.string(), rule: z.nullable(z.string()), why: z.string() })),
  error: z.optional(z.string()),
  skipped: z.optional(z.array(Task)),
});
export const ToolsResultSchema = z.looseObject({
  workspace: z.nullable(z.string()),
  tasks: z.array(z.looseObject({ task: Task, file: z.string(), needs: z.string() })),
  rows: z.array(RowSchema),
  good: z.boolean(),
});
export const ToolsRecordSchema = z.looseObject({ ...ProbeRecordBase, kind: z.literal('tools'), result: z.optional(ToolsResultSchema) });
export type ToolsRecord = z.infer<typeof ToolsRecordSchema>;
export type ToolsRow = RowResult & { readonly skipped?: ToolTask[] };
export type ToolsResult = {
  readonly workspace: string | null;
  readonly tasks: { task: ToolTask; file: string; needs: string }[];
  readonly rows: ToolsRow[];
  readonly good: boolean;
}

const folder = recordFolder('probes', 'tools probe', ToolsRecordSchema);
export const readToolsRecord = folder.read;
export const listToolsRecords = folder.list;

/* ---------- the plan ---------- */

export interface ToolsOptions {
  readonly agent: string;
  /** provider/id refs (default: the agent's own model). */
  readonly models?: readonly string[];
  /** API modes (default: each model's configured one). */
  readonly modes?: readonly ApiMode[];
  /** Tasks (default: all). */
  readonly tasks?: readonly ToolTask[];
  readonly profile?: string;
}

export type PlannedRow = RowFacts & {
  /** Runs on a private copy whose `api` is changed (checked by OpenClaw's validator first). */
  readonly rewired: boolean;
  /** `--model` for the turns; undefined: the agent's own model. */
  readonly modelArg?: string;
}

export interface ToolsPlan {
  readonly agent: string;
  /** The model the agent uses (what a turn without --model runs). */
  readonly agentModel: string;
  readonly profile: string | null;
  readonly rows: PlannedRow[];
  readonly tasks: readonly ToolTask[];
  readonly turns: number;
  /** Providers the wire records (id → server). */
  readonly wired: { provider: string; upstream: string }[];
  readonly notes: string[];
}

/** The agent's model: its entry's, else the defaults' primary (reference openclaw.md §4). */
export function agentModelRef(model: ConfigModel, agent: string): string | undefined {
  return model.refs.find((r) => r.role === 'agent' && r.agentId === agent)?.ref ?? model.refs.find((r) => r.role === 'primary')?.ref;
}

/**
 * What `probe tools` would run (the dry run, and the run's own first step): rows of model × mode, the tasks, the turns,
 * the servers the wire puts recorders in front of. Reads only the look; runs nothing.
 */
export function toolsPlan(now: Pick<CheckedFile, 'observation' | 'read' | 'servers'>, o: ToolsOptions): ToolsPlan {
  const model = now.observation.model;
  const agentModel = agentModelRef(model, o.agent);
  if (!agentModel) throw new ToolsPlanError('openclaw.json names no model for the agent (agents.defaults.model.primary); set one first');
  const refs = o.models?.length ? [...new Set(o.models)] : [agentModel];
  const tasks = o.tasks?.length ? [...new Set(o.tasks)] : [...TOOL_TASKS];
  const rows: PlannedRow[] = [];
  const notes: string[] = [];
  for (const ref of refs) {
    const parts = splitRef(ref);
    if (!parts) throw new ToolsPlanError(`--model ${ref}: not a "provider/model" reference`);
    const p = findProvider(model, parts.providerId);
    if (!p) throw new ToolsPlanError(`--model ${ref}: openclaw.json has no provider "${parts.providerId}"`);
    const row = findRow(model, parts.providerId, parts.modelId);
    const t = row ? rowTransport(p, row) : undefined;
    const configuredApi = t?.api ?? stringAt(child(p.node, 'api')) ?? defaultApi(p.id);
    const configuredMode = modeOfApi(configuredApi);
    const modes = o.modes?.length ? [...new Set(o.modes)] : configuredMode ? [configuredMode] : [];
    if (!modes.length) throw new ToolsPlanError(`${ref} uses api "${configuredApi}"; the probe runs ${API_MODES.map((m) => MODE_API[m]).join(', ')} (choose with --api)`);
    if (!row) notes.push(`${ref} has no model row in openclaw.json (a discovered model): its reasoning and compat flags read as unset`);
    const reasoningNode = row ? child(row.node, 'reasoning') : undefined;
    for (const mode of modes)
      rows.push({
        ref,
        mode,
        configuredApi,
        reasoning: reasoningNode?.kind === 'boolean' ? (reasoningNode.value as boolean) : null,
        supportsTools: row ? (compatFlag(row, 'supportsTools') ?? null) : null,
        server: now.servers.get(p.id)?.kind ?? null,
        rewired: mode !== configuredMode,
        ...(ref !== agentModel ? { modelArg: ref } : {}),
      });
  }
  const turns = rows.length * tasks.length;
  if (turns > MAX_TOOLS_TURNS) throw new ToolsPlanError(`${rows.length} rows × ${tasks.length} tasks is ${turns} OpenClaw turns; the probe runs at most ${MAX_TOOLS_TURNS} (fewer --model, --api or --tasks)`);
  const dry = wiredConfigText(now.read.doc, (_id, upstream) => upstream);
  for (const n of dry.notWired) if (rows.some((r) => r.ref.startsWith(`${n.provider}/`))) notes.push(`provider ${n.provider}: not recorded (${n.why}); its rows cannot be judged`);
  return { agent: o.agent, agentModel, profile: o.profile ?? null, rows, tasks, turns, wired: [...dry.upstreams].map(([provider, upstream]) => ({ provider, upstream })), notes };
}

/** The dry run in lines. */
export function toolsPlanLines(p: ToolsPlan, timeoutS: number): string[] {
  const lines = [`agent ${p.agent} (its model: ${p.agentModel})${p.profile ? `, under profile ${p.profile} (applied first, put back at the end)` : ''}`];
  for (const r of p.rows) lines.push(`row ${r.ref} over ${MODE_API[r.mode]}${r.rewired ? ` (a private copy with api "${MODE_API[r.mode]}" instead of "${r.configuredApi}", if OpenClaw's validator accepts it)` : ' (as configured)'}${r.modelArg ? `, turns with --model ${r.modelArg}` : ''}`);
  for (const t of p.tasks) {
    const plan = taskPlan(t, 'TAG', t === 'impossible' ? null : 'LAL-XXXX-XXXX');
    lines.push(`task ${t}: ${plan.needs} (${plan.file.replace('TAG', '<run>')} in the agent's workspace${t === 'impossible' ? ', never written' : ', written before the turn and removed after'})`);
  }
  lines.push(`${p.turns} OpenClaw turns (openclaw agent --local), each at most ${timeoutS} s; a row stops at its first hang`);
  for (const w of p.wired) lines.push(`wire: provider ${w.provider} → a recorder in front of ${w.upstream}`);
  for (const n of p.notes) lines.push(`note: ${n}`);
  return lines;
}

/* ---------- the API mode on a private copy ---------- */

/**
 * The wired config text with `providerId`'s api (the row's own `api` where it has one) set to `api`; for `ollama`
 * the baseUrl loses its `/v1`, and back to an OpenAI mode from `ollama` it gains one (as the ollama-openai-compat
 * fix writes it). Minimal edits; everything else stays as it was.
 */
export function withApi(file: string, text: string, ref: string, api: string): string {
  const doc = parseDocument(file, text);
  const model = buildModel(doc.root);
  const parts = splitRef(ref)!;
  const p = findProvider(model, parts.providerId);
  if (!p) throw new Error(`no provider ${parts.providerId} in the private copy`);
  const row = findRow(model, parts.providerId, parts.modelId);
  const apiNode = row ? rowTransport(p, row).apiNode : child(p.node, 'api');
  const baseNode = row ? rowTransport(p, row).baseUrlNode : p.baseUrlNode;
  const before = stringAt(apiNode) ?? defaultApi(p.id);
  const edits: DocEdits[] = [apiNode ? replaceValue(doc, apiNode, api) : setMember(doc, p.node, 'api', api)];
  const url = stringAt(baseNode);
  if (baseNode && url) {
    if (api === 'ollama' && /\/v1\/?$/.test(url)) edits.push(replaceValue(doc, baseNode, url.replace(/\/v1\/?$/, '')));
    else if (api !== 'ollama' && before === 'ollama' && !/\/v1\/?$/.test(url)) edits.push(replaceValue(doc, baseNode, `${url.replace(/\/+$/, '')}/v1`));
  }
  return applyEdits(text, edits.flatMap((e) => e.edits));
}

/* ---------- the run ---------- */

export interface ToolsProbeOptions extends ProbeCommonOptions, Omit<ToolsOptions, 'agent' | 'profile'> {}

const tag = () => randomHex(4);
/** After a turn that failed, a moment for the recorder to see the client's connection close. */
const settle = () => new Promise((r) => setTimeout(r, 300));

/**
 * Runs the probe: the plan (a ToolsPlanError before anything runs), then per row its tasks, each one OpenClaw turn in
 * a fresh session through the probe wire (a rewired one for another API mode); the workspace files are removed
 * whatever happens; the record written to `<root>/probes/<id>.json`.
 */
export async function runToolsProbe(o: ToolsProbeOptions): Promise<ProbeOutcome<ToolsResult>> {
  const first = await look(o.env);
  const plan = toolsPlan(first, { ...o, profile: o.profile });
  const workload: Workload = { name: 'tools', dispatcher: 'openclaw', transport: 'local', agent: o.agent, model: plan.rows[0]!.ref, prompt: 'probe tools', repeats: 1, timeoutSeconds: Math.max(1, Math.ceil(o.timeoutMs / 1000)), maxOutputBytes: 8 * 1024 * 1024 };
  return runWiredProbe<ToolsResult>(
    { ...o, kind: 'tools', workload },
    (ctx) => toolsBody(ctx, o, toolsPlan(ctx.now, { ...o, profile: o.profile })),
    (x) =>
      folder.write(o.root, {
        schemaVersion: 1,
        kind: 'tools',
        id: x.id,
        startedAt: x.startedAt,
        agent: o.agent,
        profile: o.profile ?? null,
        config: x.config,
        notes: [...plan.notes, ...x.notes],
        ...(x.result ? { result: x.result } : {}),
        ...(x.error ? { error: x.error } : {}),
      }),
  );
}

async function toolsBody(ctx: ProbeContext, o: ToolsProbeOptions, plan: ToolsPlan): Promise<ToolsResult> {
  const workspace = workspaceFromConfig(toValue(ctx.now.read.doc.root), o.agent, { ...process.env, ...stateEnvFor(ctx.now.file) });
  fs.mkdirSync(workspace, { recursive: true });
  const run = tag();
  const written = new Set<string>();
  const plans: TaskPlan[] = plan.tasks.map((t) => taskPlan(t, run, null));
  const rows: (RowFacts & { tasks: TaskOutcome[]; error?: string; skipped?: ToolTask[] })[] = [];
  let turnIndex = 0;
  try {
    for (const [ri, row] of plan.rows.entries()) {
      if (ctx.signal.aborted) break;
      const facts: RowFacts = { ref: row.ref, mode: row.mode, configuredApi: row.configuredApi, reasoning: row.reasoning, supportsTools: row.supportsTools, server: row.server };
      let through: { turn: (t: ProbeTurn) => ReturnType<ProbeContext['turn']>; exchanges: () => ReturnType<ProbeContext['wire']['exchanges']>; close: () => Promise<void> } = { turn: ctx.turn, exchanges: () => ctx.wire.exchanges(), close: async () => {} };
      if (row.rewired) {
        if (!ctx.rewired) {
          rows.push({ ...facts, tasks: [], error: 'this front end cannot run another API mode' });
          continue;
        }
        const w = await ctx.rewired((text) => withApi(ctx.now.file, text, row.ref, MODE_API[row.mode]));
        const verdict = await validateConfig(o.env.openclaw, w.wire.config.file, { timeoutMs: millis(60_000), signal: ctx.signal, env: { ...process.env, ...stateEnvFor(ctx.now.file), ...w.wire.config.env } }).catch((err: Error) => ({ valid: false, issues: [{ path: '<root>', message: err.message }] }));
        if (!verdict.valid) {
          await w.close();
          rows.push({ ...facts, tasks: [], error: `OpenClaw's validator rejects api "${MODE_API[row.mode]}" for ${row.ref.split('/')[0]}: ${verdict.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}` });
          continue;
        }
        through = { turn: w.turn, exchanges: () => w.wire.exchanges(), close: w.close };
      }
      const tasks: TaskOutcome[] = [];
      let skipped: ToolTask[] = [];
      let cancelled = false;
      try {
        for (const [ti, task] of plan.tasks.entries()) {
          if (ctx.signal.aborted) break;
          const nonce = task === 'impossible' ? null : makeNonce();
          const p = taskPlan(task, `${run}-${ri}`, nonce);
          const file = path.join(workspace, p.file);
          if (nonce) {
            fs.writeFileSync(file, `${nonce}\n`);
            written.add(file);
          }
          const index = turnIndex++;
          try {
            const t0 = Date.now();
            const r = await through.turn({ sessionKey: probeSessionKey(o.agent, 'tools'), message: p.message, turnIndex: index, what: `${row.ref} over ${MODE_API[row.mode]}: task ${task} (${ti + 1}/${plan.tasks.length})`, ...(row.modelArg ? { model: row.modelArg } : {}) });
            if (ctx.signal.aborted) {
              // A turn Ctrl-C ended says nothing about the model.
              cancelled = true;
              skipped = plan.tasks.slice(ti);
              break;
            }
            if (r.exitCode !== 0 || r.error) await settle();
            const outcome = analyzeTask({ task, nonce, reply: r.reply, ...(r.error ? { error: r.error } : {}), exitCode: r.exitCode, exchanges: through.exchanges().filter((x) => x.record.dispatch === index), elapsedMs: Date.now() - t0, timeoutMs: o.timeoutMs });
            tasks.push(outcome);
            if (outcome.hang) {
              skipped = plan.tasks.slice(ti + 1);
              break;
            }
          } finally {
            fs.rmSync(file, { force: true });
            written.delete(file);
          }
        }
      } finally {
        await through.close();
      }
      rows.push({ ...facts, tasks, ...(skipped.length ? { skipped } : {}), ...(cancelled ? { error: 'cancelled before its tasks ended' } : {}) });
    }
  } finally {
    for (const f of written) fs.rmSync(f, { force: true });
  }
  const judged = judgeRows(rows).map((r, i) => ({ ...r, ...(rows[i]!.skipped ? { skipped: rows[i]!.skipped } : {}) }));
  return { workspace, tasks: plans.map((p) => ({ task: p.task, file: p.file, needs: p.needs })), rows: judged, good: overallGood(judged) };
}

/* ---------- reading it ---------- */

const rowTone = (r: { verdict: string }): Tone => (r.verdict === 'tools work' ? 'good' : r.verdict === 'did not complete' ? 'warn' : 'bad');

function rowCells(r: z.infer<typeof RowSchema>): string[] {
  const calls = r.tasks.reduce((n, t) => n + t.toolCalls.length, 0);
  const names = [...new Set(r.tasks.flatMap((t) => t.toolCalls))];
  const asText = r.tasks.find((t) => t.toolCallsAsText)?.toolCallsAsText;
  const invented = r.tasks.find((t) => t.invented)?.invented;
  const reasoning = r.tasks.some((t) => t.reasoningInContent || t.reasoningInReply) ? 'in the answer' : r.tasks.some((t) => t.reasoningStreamed) ? 'apart (ok)' : 'none';
  const hang = r.tasks.find((t) => t.hang)?.hang;
  const done = r.tasks.filter((t) => t.completed).length;
  return [
    r.ref,
    MODE_API[r.mode],
    r.error && !r.tasks.length ? '—' : `${calls}${names.length ? ` (${names.join(', ')})` : ''}`,
    asText ?? 'no',
    invented ?? 'no',
    reasoning,
    hang ? (hang === 'stream' ? 'stream never ended' : 'never stopped asking') : 'no',
    `${done}/${r.tasks.length}${r.skipped?.length ? ` (${r.skipped.length} skipped)` : ''}`,
    r.verdict,
    r.fix ? `${r.fix.change}${r.fix.rule ? ` (${r.fix.rule})` : ''}` : '—',
  ];
}

const COLUMNS = ['model', 'api', 'tool calls', 'as text', 'invented', 'reasoning', 'hang', 'completed', 'verdict', 'fix'];

/** The verdict of a whole record, in words and tone. */
function headline(r: ToolsRecord): { verdict: string; tone: Tone } {
  const rows = r.result?.rows ?? [];
  if (!rows.length) return { verdict: r.error ? `the probe did not run: ${r.error}` : 'no rows ran', tone: 'bad' };
  if (rows.every((x) => x.verdict === 'tools work')) return { verdict: 'tools work', tone: 'good' };
  const bad = rows.filter((x) => x.verdict !== 'tools work');
  return { verdict: bad.map((x) => `${x.ref} over ${MODE_API[x.mode]}: ${x.verdict}`).join('; '), tone: bad.some((x) => rowTone(x) === 'bad') ? 'bad' : 'warn' };
}

export function toolsView(r: ToolsRecord): ProbeView {
  const rows = r.result?.rows ?? [];
  const h = headline(r);
  const notes = [
    ...rows.map((x) => `${x.ref} over ${MODE_API[x.mode]}: ${x.evidence}${x.fix ? `. Fix: ${x.fix.change}${x.fix.rule ? ` (rule ${x.fix.rule})` : ''}: ${x.fix.why}` : ''}`),
    ...(r.result?.tasks ?? []).map((t) => `task ${t.task}: ${t.needs}`),
    ...r.notes,
    ...(r.error ? [`error: ${r.error}`] : []),
  ];
  return { kind: 'tools', title: 'Probe Tool Calling', verdict: h.verdict, tone: h.tone, notes, table: { caption: `Tool calling per model × API mode (agent ${r.agent})`, columns: COLUMNS, rows: rows.map((x) => ({ cells: rowCells(x), tone: rowTone(x) })) } };
}

export function toolsSummary(r: ToolsRecord): string {
  const rows = r.result?.rows ?? [];
  if (!rows.length) return r.error ? `did not run: ${r.error}` : 'no rows';
  const bad = rows.filter((x) => x.verdict !== 'tools work');
  return bad.length ? `${bad.length} of ${rows.length} rows: ${[...new Set(bad.map((x) => x.verdict))].join(', ')}` : `${rows.length === 1 ? '1 row' : `${rows.length} rows`}: tools work`;
}

/** The record for a terminal. */
export function toolsLines(r: ToolsRecord): string[] {
  const rows = r.result?.rows ?? [];
  const view = toolsView(r);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...view.table.rows.map((x) => x.cells[i]!.length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const lines = [pad(COLUMNS), ...view.table.rows.map((x) => pad(x.cells))];
  for (const x of rows) {
    lines.push(`${x.ref} over ${MODE_API[x.mode]}: ${x.verdict}: ${x.evidence}`);
    for (const t of x.tasks) lines.push(`  task ${t.task}: ${t.completed ? 'completed' : 'not completed'}, ${t.requests} request${t.requests === 1 ? '' : 's'}, tool calls ${t.toolCalls.join(', ') || 'none'}${t.nonceInToolResult ? ', the code came back in a tool result' : ''}${t.invented ? `, invented ${t.invented}` : ''}${t.error ? ` (${t.error})` : ''}; reply: ${JSON.stringify(t.reply)}`);
    if (x.skipped?.length) lines.push(`  skipped after the hang: ${x.skipped.join(', ')}`);
    if (x.fix) lines.push(`  fix: ${x.fix.change}${x.fix.rule ? ` (rule ${x.fix.rule})` : ''}: ${x.fix.why}`);
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.error) lines.push(`error: ${r.error}`);
  lines.push(`verdict: ${view.verdict}`);
  return lines;
}

/** Exit 0: every row's tools work. */
export function toolsGood(r: ToolsRecord): boolean {
  return !r.error && !!r.result?.good;
}

export const toolsProbe: ProbeModule<ToolsRecord> = { kind: 'tools', title: 'Probe Tool Calling', read: readToolsRecord, list: listToolsRecords, view: toolsView, summary: toolsSummary };

export { API_MODES, TOOL_TASKS, type ApiMode, type ToolTask };
