import * as z from 'zod/mini';
import { openAiSdk } from '../dispatch/openai.js';
import { diffRequest, diffToolOutput } from '../layer/diff.js';
import { DIRECT, startProxy, type ProxyDecl, type RunningProxy } from '../layer/proxy.js';
import { recordFolder } from '../records/folder.js';
import { newSessionId } from '../records/store.js';
import { openAiTarget, preflight } from '../session.js';
import { startRecorder } from '../wire/recorder.js';
import type { WireRecord } from '../wire/schema.js';
import { redactCredentials } from '../../servers/address.js';
import { runProbeArm } from '../experiments/labRun.js';
import type { Workload } from '../workloadSchema.js';
import type { ProbeView } from '../view/probeView.js';
import { ProbeRecordBase, type ProbeCommonOptions, type ProbeOutcome } from './common.js';
import type { RunnableProbe } from './module.js';
import { answeredRight, EXEC_TOOL, FIDELITY_QUESTIONS, fidelityMessages, PLANTED_FACTS, type ChatMessage } from './toolFidelityPlan.js';

/**
 * `probe tool-fidelity` (palette: Probe Compression Fidelity, #25): the planted conversation (toolFidelityPlan.ts)
 * asked its questions directly and through each declared compression proxy, a fresh proxy per arm (a proxy keeps
 * decisions and a response cache for its lifetime). A recorder sits in front of the model server in every arm, so
 * what the probe reads is what the SERVER received: facts that reached the model, lines it read that the tool never
 * printed (the layer diff, layer/diff.ts), prompt tokens as the server counted them, and prefill. Runs with the
 * OpenAI SDK against the provider's base URL (no OpenClaw turn): the conversation is built here.
 */

const INVENTED_CAP = 50;

export const FidelityQuestionResultSchema = z.looseObject({
  id: z.string(),
  /** The reply, cut to 300 characters. */
  reply: z.string(),
  right: z.boolean(),
  /** The fact the question needs reached the server (null: the question needs none). */
  factReached: z.nullable(z.boolean()),
  promptTokens: z.nullable(z.number()),
  prefillMs: z.nullable(z.number()),
  error: z.optional(z.string()),
});

export const FidelityArmSchema = z.looseObject({
  /** `direct`, or the declared proxy's name. */
  name: z.string(),
  /** The declared argv, placeholders as written (absent for direct). */
  command: z.optional(z.array(z.string())),
  questions: z.array(FidelityQuestionResultSchema),
  /** Planted facts (ids) that reached the server in every request, and those that did not. */
  factsReached: z.array(z.string()),
  factsLost: z.array(z.string()),
  linesDropped: z.number(),
  /** Distinct lines the server received in a tool output that the tool never printed (markers apart), at most 50. */
  invented: z.array(z.string()),
  fused: z.array(z.string()),
  markerLines: z.number(),
  toolsInjected: z.array(z.string()),
  /** Summed over the questions; null when the server counted none. */
  promptTokens: z.nullable(z.number()),
  prefillMs: z.nullable(z.number()),
  /** Where prefill comes from: the server's own timing, or the first token's arrival at the recorder. */
  prefillSource: z.nullable(z.enum(['server', 'first token'])),
  /** The questions' wall time (the proxy's start not included; `startMs` is that). */
  wallMs: z.number(),
  startMs: z.optional(z.number()),
  error: z.optional(z.string()),
});
export type FidelityArm = z.infer<typeof FidelityArmSchema>;

export const ToolFidelityResultSchema = z.looseObject({
  model: z.string(),
  baseUrl: z.string(),
  facts: z.array(z.looseObject({ id: z.string(), command: z.string(), line: z.string() })),
  questions: z.array(z.looseObject({ id: z.string(), fact: z.nullable(z.string()), text: z.string() })),
  arms: z.array(FidelityArmSchema),
});
export type ToolFidelityResult = z.infer<typeof ToolFidelityResultSchema>;

export const ToolFidelityRecordSchema = z.looseObject({ ...ProbeRecordBase, kind: z.literal('tool-fidelity'), result: z.optional(ToolFidelityResultSchema) });
export type ToolFidelityRecord = z.infer<typeof ToolFidelityRecordSchema>;

const records = recordFolder('probes', 'tool-fidelity probe', ToolFidelityRecordSchema);

export class ToolFidelityPlanError extends Error {}

export interface ToolFidelityTarget {
  /** The server's OpenAI-compatible base as the provider has it, e.g. http://127.0.0.1:1234/v1. */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
}

/** The declared proxies an arm list names (`--proxy`, default all), in the order given; unknown names are a plan error. */
export function selectProxies(declared: readonly ProxyDecl[], names: readonly string[] | undefined): ProxyDecl[] {
  if (!names?.length) return [...declared];
  return names.map((n) => {
    const p = declared.find((d) => d.name === n);
    if (!p) throw new ToolFidelityPlanError(declared.length ? `--proxy: no proxy named "${n}" (declared: ${declared.map((d) => d.name).join(', ')})` : `--proxy: no proxy named "${n}": none is declared (--proxies FILE, or the machine setting localAiLab.lab.proxies)`);
    return p;
  });
}

interface Sent {
  readonly question: string;
  readonly body: { model: string; messages: ChatMessage[]; tools: unknown[]; stream: true; stream_options: { include_usage: true } };
}

/** One streamed chat completion through `client`: the reply text, or why not. */
async function ask(baseUrl: string, t: ToolFidelityTarget, body: Sent['body'], timeoutMs: number, signal: AbortSignal): Promise<{ reply: string; error?: string }> {
  const Client = openAiSdk();
  const client = new Client({ baseURL: baseUrl, apiKey: t.apiKey || 'local', maxRetries: 0, timeout: timeoutMs });
  let reply = '';
  try {
    const stream = await client.chat.completions.create(body as unknown as Parameters<typeof client.chat.completions.create>[0] & { stream: true }, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    for await (const chunk of stream) reply += chunk.choices[0]?.delta?.content ?? '';
    return { reply };
  } catch (err) {
    return { reply, error: redactCredentials((err as Error).message) };
  }
}

/** What the server received per question, read against what was sent: one arm's figures. */
export function readArm(name: string, sent: readonly Sent[], received: readonly { question: string; record: WireRecord | null; body: unknown }[], replies: ReadonlyMap<string, { reply: string; error?: string }>, wallMs = 0): FidelityArm {
  const invented = new Set<string>();
  const fused = new Set<string>();
  const injected = new Set<string>();
  const reachedEverywhere = new Map<string, boolean>(PLANTED_FACTS.map((f) => [f.id, true]));
  let dropped = 0;
  let markers = 0;
  let tokens: number | null = null;
  let prefill: number | null = null;
  let prefillSource: FidelityArm['prefillSource'] = null;
  const questions = sent.map((s) => {
    const q = FIDELITY_QUESTIONS.find((x) => x.id === s.question)!;
    const got = received.find((r) => r.question === s.question);
    const a = replies.get(s.question) ?? { reply: '', error: 'not asked' };
    const toolTexts = (body: unknown): string[] => {
      const ms = body && typeof body === 'object' && Array.isArray((body as { messages?: unknown }).messages) ? ((body as { messages: { role?: string; content?: unknown }[] }).messages) : [];
      return ms.filter((m) => m.role === 'tool').map((m) => (typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p) => String((p as { text?: unknown })?.text ?? '')).join('') : ''));
    };
    let factReached: boolean | null = null;
    if (got?.body) {
      const before = toolTexts(s.body);
      const after = toolTexts(got.body);
      before.forEach((b, i) => {
        const d = diffToolOutput(b, after[i] ?? '');
        dropped += d.dropped.length;
        markers += d.markers.length;
        for (const l of d.invented) invented.add(l);
        for (const l of d.fused) fused.add(l);
      });
      for (const t of diffRequest(s.body, got.body).toolsInjected) injected.add(t);
      const all = after.join('\n');
      for (const f of PLANTED_FACTS) if (!all.includes(f.line)) reachedEverywhere.set(f.id, false);
      if (q.fact) factReached = all.includes(PLANTED_FACTS.find((f) => f.id === q.fact)!.line);
    } else for (const f of PLANTED_FACTS) reachedEverywhere.set(f.id, false);
    const r = got?.record;
    if (r?.promptTokens !== null && r?.promptTokens !== undefined) tokens = (tokens ?? 0) + r.promptTokens;
    const p = r?.serverPrefillMs ?? r?.firstTokenMs ?? null;
    if (p !== null && p !== undefined) {
      prefill = (prefill ?? 0) + p;
      prefillSource = r?.serverPrefillMs !== undefined && r?.serverPrefillMs !== null ? 'server' : (prefillSource ?? 'first token');
    }
    return { id: q.id, reply: a.reply.slice(0, 300), right: !a.error && answeredRight(q, a.reply), factReached, promptTokens: r?.promptTokens ?? null, prefillMs: p ?? null, ...(a.error ? { error: a.error } : {}) };
  });
  const factsReached = [...reachedEverywhere].filter(([, ok]) => ok).map(([id]) => id);
  return {
    name,
    questions,
    factsReached,
    factsLost: PLANTED_FACTS.map((f) => f.id).filter((id) => !factsReached.includes(id)),
    linesDropped: dropped,
    invented: [...invented].slice(0, INVENTED_CAP),
    fused: [...fused].slice(0, INVENTED_CAP),
    markerLines: markers,
    toolsInjected: [...injected],
    promptTokens: tokens,
    prefillMs: prefill,
    prefillSource,
    wallMs,
  };
}

export interface ToolFidelityRunOptions {
  readonly target: ToolFidelityTarget;
  /** The proxies to put in front of the server, one arm each after `direct`. */
  readonly proxies: readonly ProxyDecl[];
  /** Per question. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly progress?: (what: string) => void;
  /** How long a proxy may take to answer its health path. */
  readonly healthTimeoutMs?: number;
}

/**
 * Direct, then each proxy: a recorder in front of the server (the server's side of the layer), a fresh proxy in
 * front of the recorder (its `{upstream}`: the recorder with the provider's path, `/v1` and all), the questions
 * asked one request each, the proxy stopped (its process group) before the next arm.
 */
export async function runToolFidelity(o: ToolFidelityRunOptions): Promise<ToolFidelityResult> {
  const u = new URL(o.target.baseUrl);
  const origin = u.origin;
  const basePath = u.pathname.replace(/\/+$/, '');
  const arms: FidelityArm[] = [];
  for (const decl of [null, ...o.proxies]) {
    if (o.signal.aborted) break;
    const name = decl?.name ?? DIRECT;
    o.progress?.(`arm ${name}`);
    const received = new Map<number, { record?: WireRecord; body?: unknown }>();
    let current: string | null = null;
    const questionOfSeq = new Map<number, string>();
    let seq = 0;
    const recorder = await startRecorder({
      upstream: origin,
      nextSeq: () => {
        const s = seq++;
        if (current) questionOfSeq.set(s, current);
        return s;
      },
      onRecord: (r) => void received.set(r.seq, { ...received.get(r.seq), record: r }),
      onBodies: (s, request) => {
        let body: unknown = null;
        try {
          body = request ? JSON.parse(request.toString('utf8')) : null;
        } catch {
          /* not JSON: read as nothing received */
        }
        received.set(s, { ...received.get(s), body });
      },
    });
    let proxy: RunningProxy | undefined;
    const t0 = performance.now();
    try {
      let base = `${recorder.url}${basePath}`;
      let startMs: number | undefined;
      if (decl) {
        proxy = await startProxy(decl, base, { signal: o.signal, ...(o.healthTimeoutMs ? { healthTimeoutMs: o.healthTimeoutMs } : {}) });
        startMs = Math.round(performance.now() - t0);
        base = `${proxy.url}${basePath}`;
      }
      const sent: Sent[] = [];
      const replies = new Map<string, { reply: string; error?: string }>();
      const q0 = performance.now();
      for (const q of FIDELITY_QUESTIONS) {
        if (o.signal.aborted) break;
        o.progress?.(`arm ${name}: ${q.id}`);
        const body: Sent['body'] = { model: o.target.model, messages: fidelityMessages(q), tools: [EXEC_TOOL], stream: true, stream_options: { include_usage: true } };
        sent.push({ question: q.id, body });
        current = q.id;
        replies.set(q.id, await ask(base, o.target, body, o.timeoutMs, o.signal));
        current = null;
      }
      const wallMs = Math.round(performance.now() - q0);
      // The recorder hands a record over when the answer has ended; give the last one a moment.
      for (let i = 0; i < 20 && [...received.values()].filter((e) => e.record).length < sent.length; i++) await new Promise((r) => setTimeout(r, 25));
      const got = [...received.entries()].filter(([s, e]) => questionOfSeq.has(s) && e.record?.method === 'POST').map(([s, e]) => ({ question: questionOfSeq.get(s)!, record: e.record ?? null, body: e.body ?? null }));
      arms.push({ ...readArm(name, sent, got, replies, wallMs), ...(decl ? { command: decl.command } : {}), ...(startMs !== undefined ? { startMs } : {}) });
    } catch (err) {
      arms.push({ name, ...(decl ? { command: decl.command } : {}), questions: [], factsReached: [], factsLost: [], linesDropped: 0, invented: [], fused: [], markerLines: 0, toolsInjected: [], promptTokens: null, prefillMs: null, prefillSource: null, wallMs: Math.round(performance.now() - t0), error: redactCredentials((err as Error).message) });
    } finally {
      await proxy?.stop();
      await recorder.close();
    }
  }
  return {
    model: o.target.model,
    baseUrl: redactCredentials(o.target.baseUrl),
    facts: PLANTED_FACTS.map((f) => ({ id: f.id, command: f.command, line: f.line })),
    questions: FIDELITY_QUESTIONS.map((q) => ({ id: q.id, fact: q.fact, text: q.text })),
    arms,
  };
}

/** Good: every arm ran, no planted fact lost and no line invented in any arm. */
export function fidelityGood(r: ToolFidelityResult): boolean {
  return r.arms.length > 0 && r.arms.every((a) => !a.error && a.questions.length === FIDELITY_QUESTIONS.length && !a.factsLost.length && !a.invented.length && a.questions.every((q) => !q.error));
}

export interface ToolFidelityOptions {
  /** Names of declared proxies (default: every declared one). */
  readonly proxyNames?: readonly string[];
  /** "provider/model" (default: the config's primary), or with `baseUrl` the model id the server knows. */
  readonly model?: string;
  /** The server's OpenAI-compatible base URL, instead of the provider's (then `model` is required). */
  readonly baseUrl?: string;
}

const WORKLOAD: Workload = {
  name: 'tool-fidelity',
  description: 'Planted facts in tool outputs asked directly and through each declared compression proxy: run it with local-ai-lab probe tool-fidelity.',
  dispatcher: 'openai',
  transport: 'local',
  prompt: 'tool-fidelity',
  repeats: 1,
  timeoutSeconds: 300,
  maxOutputBytes: 1024 * 1024,
};

/** The target the probe asks: `--base-url`/`--model`, else the provider of `--model` (or the primary) in the config. */
export function fidelityTarget(obs: Parameters<typeof openAiTarget>[0], o: ToolFidelityOptions, allowHosted?: boolean): ToolFidelityTarget {
  if (o.baseUrl) {
    if (!o.model) throw new ToolFidelityPlanError('--base-url needs --model (the model id the server knows)');
    return { baseUrl: o.baseUrl.replace(/\/+$/, ''), model: o.model };
  }
  const t = openAiTarget(obs, { ...WORKLOAD, ...(o.model ? { model: o.model } : {}) }, { allowHosted });
  return { baseUrl: t.baseUrl, model: t.model, ...(t.apiKey ? { apiKey: t.apiKey } : {}) };
}

/** The probe for the CLI and the editor: the config read (and a profile applied, if asked), the arms run, the record written. */
export async function runToolFidelityProbe(o: ProbeCommonOptions & ToolFidelityOptions): Promise<ProbeOutcome<ToolFidelityResult> & { record?: string }> {
  const proxies = selectProxies(o.env.proxies ?? [], o.proxyNames);
  const startedAt = new Date().toISOString();
  const notes: string[] = [];
  if (!proxies.length) notes.push('no compression proxy is declared (--proxies FILE, or the machine setting localAiLab.lab.proxies): only the direct arm ran');
  const { first, outcome } = await runProbeArm<ToolFidelityResult>(o, async (now, signal) => {
    const target = fidelityTarget(now.observation, o, o.env.allowHosted);
    await preflight(target.baseUrl, signal);
    return runToolFidelity({ target, proxies, timeoutMs: o.timeoutMs, signal, progress: (w) => o.report?.turn?.(w) });
  });
  const result = outcome.arms[0]?.result;
  const id = newSessionId(`tool-fidelity-${o.agent}`);
  const error = outcome.arms.find((a) => a.error)?.error ?? (outcome.status === 'failed' ? outcome.error : undefined);
  const record =
    result !== undefined || error
      ? records.write(o.root, { schemaVersion: 1, kind: 'tool-fidelity', id, startedAt, agent: o.agent, profile: o.profile ?? null, config: first.file, notes, ...(result ? { result } : {}), ...(error ? { error } : {}) })
      : undefined;
  return { id, config: first.file, ...(record ? { record } : {}), ...(result !== undefined ? { result } : {}), notes, outcome };
}

/** `--dry-run`: the arms, the facts and the questions; nothing is started. */
export function fidelityPlan(target: ToolFidelityTarget, proxies: readonly ProxyDecl[]): string[] {
  return [
    `probe tool-fidelity: model ${target.model} at ${redactCredentials(target.baseUrl)} (OpenAI chat completions, streamed; no OpenClaw turn)`,
    `arms: ${[DIRECT, ...proxies.map((p) => p.name)].join(', ')} — a fresh proxy per arm, stopped (its process group) before the next`,
    ...proxies.map((p) => `proxy ${p.name}: ${p.command.join(' ')} (health ${p.health})`),
    ...PLANTED_FACTS.map((f) => `fact ${f.id}: \`${f.command}\` prints ${f.output.split('\n').length} lines, one of them: ${f.line}`),
    ...FIDELITY_QUESTIONS.map((q) => `question ${q.id}${q.fact ? '' : ' (honest answer: no match)'}: ${q.text}`),
    'read from the server\'s side (a recorder in front of the server): facts that reached it, lines it read that the tool never printed, prompt tokens as the server counted them, prefill',
  ];
}

const pct = (a: number | null, b: number | null) => (a === null || b === null || !b ? '—' : `${Math.round((1 - a / b) * 100)} %`);
const num = (n: number | null) => (n === null ? '—' : Math.round(n).toLocaleString('en-US'));

const TABLE_HEAD = ['arm', 'facts reached', 'answers right', 'invented lines', 'prompt tokens', 'tokens saved', 'prefill ms', 'prefill saved', 'wall ms'];

function rows(r: ToolFidelityResult): { cells: string[]; tone: 'good' | 'bad' | 'warn' | 'none' }[] {
  const direct = r.arms.find((a) => a.name === DIRECT);
  return r.arms.map((a) => {
    const right = a.questions.filter((q) => q.right).length;
    const cells = a.error
      ? [a.name, '—', '—', '—', '—', '—', '—', '—', String(a.wallMs)]
      : [
          a.name,
          `${a.factsReached.length}/${r.facts.length}${a.factsLost.length ? ` (lost: ${a.factsLost.join(', ')})` : ''}`,
          `${right}/${a.questions.length}`,
          String(a.invented.length),
          num(a.promptTokens),
          a === direct ? '—' : pct(a.promptTokens, direct?.promptTokens ?? null),
          num(a.prefillMs),
          a === direct ? '—' : pct(a.prefillMs, direct?.prefillMs ?? null),
          String(a.wallMs),
        ];
    return { cells, tone: a.error ? 'warn' : a.factsLost.length || a.invented.length ? 'bad' : right < a.questions.length ? 'warn' : 'good' };
  });
}

function verdict(r: ToolFidelityResult): { text: string; tone: 'good' | 'bad' | 'warn' } {
  const failed = r.arms.filter((a) => a.error);
  const bad = r.arms.filter((a) => a.factsLost.length || a.invented.length);
  if (bad.length) return { text: `${bad.map((a) => `${a.name}: ${[a.factsLost.length ? `lost ${a.factsLost.join(', ')}` : '', a.invented.length ? `${a.invented.length} invented line(s)` : ''].filter(Boolean).join(', ')}`).join('; ')}`, tone: 'bad' };
  if (failed.length) return { text: `did not finish: ${failed.map((a) => `${a.name}: ${a.error}`).join('; ')}`, tone: 'warn' };
  return { text: `every planted fact reached the server in ${r.arms.length === 1 ? 'the direct arm' : `all ${r.arms.length} arms`}, nothing invented`, tone: 'good' };
}

function armNotes(r: ToolFidelityResult): string[] {
  return r.arms.flatMap((a) => [
    ...(a.toolsInjected.length ? [`${a.name}: tools injected into every request: ${a.toolsInjected.join(', ')} (OpenClaw does not have them: a call to one comes back as an unknown tool)`] : []),
    ...a.invented.slice(0, 5).map((l) => `${a.name}: invented${a.fused.includes(l) ? ' (fused)' : ''}: ${l}`),
    ...(a.prefillSource === 'first token' ? [`${a.name}: prefill is the first token's arrival at the server's recorder (the server reports no prefill time)`] : []),
    ...a.questions.filter((q) => !q.right).map((q) => `${a.name}: ${q.id} answered wrong: ${q.error ? `error: ${q.error}` : JSON.stringify(q.reply.slice(0, 120))}`),
    ...(a.startMs !== undefined ? [`${a.name}: the proxy took ${a.startMs} ms to answer its health path`] : []),
  ]);
}

export function toolFidelityView(rec: ToolFidelityRecord): ProbeView {
  const title = `Compression fidelity: ${rec.result?.model ?? `agent ${rec.agent}`}${rec.profile ? ` under ${rec.profile}` : ''} (${rec.startedAt.slice(0, 16).replace('T', ' ')})`;
  if (!rec.result) return { kind: 'tool-fidelity', title, verdict: `no verdict: ${rec.error ?? 'the probe did not run'}`, tone: 'warn', notes: rec.notes, table: { caption: 'Arms', columns: TABLE_HEAD, rows: [] } };
  const v = verdict(rec.result);
  return {
    kind: 'tool-fidelity',
    title,
    verdict: v.text,
    tone: rec.error ? 'warn' : v.tone,
    notes: [...armNotes(rec.result), ...rec.notes, ...(rec.error ? [`error: ${rec.error}`] : [])],
    table: { caption: `Per arm: ${rec.result.facts.length} planted facts, ${rec.result.questions.length} questions (one with "no match" for its honest answer), read from what the server received`, columns: TABLE_HEAD, rows: rows(rec.result) },
  };
}

export function toolFidelityLines(rec: ToolFidelityRecord): string[] {
  const v = toolFidelityView(rec);
  const widths = v.table.columns.map((c, i) => Math.max(c.length, ...v.table.rows.map((r) => r.cells[i]!.length)));
  const row = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [`verdict: ${v.verdict}`, row(v.table.columns), ...v.table.rows.map((r) => row(r.cells)), ...v.notes.map((n) => `note: ${n}`)];
}

export function toolFidelitySummary(rec: ToolFidelityRecord): string {
  if (!rec.result) return `no verdict: ${rec.error ?? 'did not run'}`;
  return rec.result.arms.map((a) => `${a.name} ${a.error ? 'failed' : `${a.factsReached.length}/${rec.result!.facts.length} facts, ${a.invented.length} invented`}`).join(' · ');
}

export const toolFidelityGood = (r: ToolFidelityRecord): boolean => !r.error && !!r.result && fidelityGood(r.result);

export const readToolFidelityRecord = (root: string, id: string): ToolFidelityRecord => records.read(root, id);

export const toolFidelityProbe: RunnableProbe<ToolFidelityRecord> = {
  kind: 'tool-fidelity',
  title: 'Probe Compression Fidelity',
  read: readToolFidelityRecord,
  list: (root) => records.list(root),
  view: toolFidelityView,
  summary: toolFidelitySummary,
  good: toolFidelityGood,
  run: (o) => runToolFidelityProbe(o),
};
