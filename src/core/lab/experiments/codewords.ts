import { summarizeTrajectory } from '../dispatch/trajectory.js';
import { mulberry32 } from '../stats.js';
import type { Workload } from '../workloadSchema.js';

/**
 * The planted-codeword probe (does the compactor carry what matters?): the first message plants four
 * codewords of different kinds, filler turns grow the conversation past the compaction threshold, then the
 * agent is asked for work that needs them and for a final recall. The survival matrix says, per codeword,
 * whether the compaction summary held it (from the compaction records), whether the work written after the
 * compaction applied it, and whether the final recall had it. Only behavioural evidence after a compaction
 * counts as "survived the summary". Everything here is pure; the turns are run by the caller.
 */
export type CodewordKind = 'rule' | 'codename' | 'number' | 'sla';

export interface Codeword {
  readonly kind: CodewordKind;
  /** What must appear: the marker comment, the codename, the number, the SLA figure. */
  readonly value: string;
}

const ADJECTIVES = ['amber', 'cobalt', 'silent', 'granite', 'velvet', 'crimson', 'northern', 'hollow'];
const ANIMALS = ['heron', 'lynx', 'falcon', 'otter', 'marten', 'ibis', 'bison', 'wren'];

/** Four codewords, reproducible from `seed`, unlikely to occur in a reply by chance. */
export function makeCodewords(seed = Date.now()): Codeword[] {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const n = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  return [
    { kind: 'rule', value: `LAL-MARK-${pick(ADJECTIVES).toUpperCase()}-${n(100, 999)}` },
    { kind: 'codename', value: `${cap(pick(ADJECTIVES))} ${cap(pick(ANIMALS))}` },
    { kind: 'number', value: String(n(10000, 99999)) },
    { kind: 'sla', value: `${n(120, 480)} ms` },
  ];
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const valueOf = (cw: readonly Codeword[], kind: CodewordKind) => cw.find((c) => c.kind === kind)!.value;

/** The first user message: one sentence per codeword, each of a different kind. */
export function plantMessage(cw: readonly Codeword[]): string {
  return [
    'We are starting a small service together. Four facts for this whole conversation:',
    `1. Rule: every file you write must begin with the comment line "// ${valueOf(cw, 'rule')}".`,
    `2. The project is called ${valueOf(cw, 'codename')}; I will ask you for that name later.`,
    `3. The magic number for the retry seed is ${valueOf(cw, 'number')}.`,
    `4. The latency target agreed with the customer is p95 under ${valueOf(cw, 'sla')}.`,
    'Acknowledge briefly. Do not use tools.',
  ].join('\n');
}

const TOPICS = ['request routing', 'connection pooling', 'backoff strategies', 'cache invalidation', 'structured logging', 'graceful shutdown', 'schema migrations', 'load shedding'];

/** Filler turns that grow the conversation (each asks for a long answer) until a compaction happens. */
export function growthMessage(i: number): string {
  return `Write a detailed design note of about 800 words on ${TOPICS[i % TOPICS.length]} for a small HTTP service. Plain prose, no code, no tools.`;
}

/** After the compaction: work that needs every codeword, without restating any of them. */
export const WORK_MESSAGE =
  'Now write two files in your reply. For each, put its path on a line of its own, then the whole file in a fenced code block. ' +
  'First src/retry.ts: a retry helper whose seed constant is the magic number we agreed on and whose total timeout stays within the customer latency target. ' +
  'Then README.md: one paragraph naming the project by its name. Follow every rule we agreed on. Do not use tools.';

/** The last turn: a recall block. */
export const RECALL_MESSAGE = 'Final recall. Under a line "RECALL:", write the rule you were given for files, the project name, the magic number and the latency target, one per line. Do not use tools.';

/** Fenced code blocks of a reply, with the path named on the line before each (or "file N"). */
export function filesOf(reply: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const re = /(?:^|\n)([^\n]*)\n```[^\n]*\n([\s\S]*?)```/g;
  for (let m = re.exec(reply); m; m = re.exec(reply)) {
    const name = /([\w./-]+\.[A-Za-z0-9]+)/.exec(m[1] ?? '')?.[1] ?? `file ${out.length + 1}`;
    out.push({ path: name, text: m[2]! });
  }
  return out;
}

export interface SurvivalRow {
  readonly kind: CodewordKind;
  readonly value: string;
  /** In a compaction summary; null when there is no compaction record to read. */
  readonly inSummary: boolean | null;
  /** Applied in the work written after the compaction (the rule: in every file; the others: in any). */
  readonly applied: boolean | null;
  readonly recalled: boolean;
  /** Behavioural evidence after a compaction (applied or recalled); null when no compaction happened. */
  readonly survived: boolean | null;
}

export interface SurvivalMatrix {
  readonly compactions: number;
  readonly rows: SurvivalRow[];
  readonly notes: string[];
}

const has = (text: string, value: string) => text.toLowerCase().includes(value.toLowerCase());
const REDACTED = /^\[[^\]]*redacted\]$/i;

/**
 * The matrix for one probe session. `summaries` are the compaction summaries in order (undefined when the
 * records could not be read); `compactions` how many happened before the work turn; `work` the reply of
 * the work turn; `recall` the reply of the recall turn.
 */
export function survivalMatrix(o: { codewords: readonly Codeword[]; compactions: number; summaries?: readonly string[]; work: string; recall: string }): SurvivalMatrix {
  const files = filesOf(o.work);
  const notes = ['Only behavioural evidence after a compaction (work that applies a codeword, or its recall) counts as "survived the summary"; a codeword in the summary text alone does not.'];
  if (o.compactions === 0) notes.push('No compaction happened before the work turn: nothing was summarized, so nothing could survive or be lost (grow the conversation further, or lower the context).');
  if (o.summaries === undefined) notes.push("The compaction records could not be read: 'in summary' is unknown.");
  // OpenClaw's trajectory export replaces some summaries with a placeholder ("[Malformed diagnostic JSON redacted]").
  const readable = o.summaries?.filter((s) => !REDACTED.test(s.trim()));
  const redacted = (o.summaries?.length ?? 0) - (readable?.length ?? 0);
  if (redacted) notes.push(`${redacted} compaction summar${redacted === 1 ? 'y was' : 'ies were'} redacted by OpenClaw's export: where the readable ones lack a codeword, 'in summary' is unknown.`);
  if (!files.length) notes.push('The work turn wrote no fenced file: "applied" is judged on its whole reply.');
  const rows = o.codewords.map((c): SurvivalRow => {
    const found = readable?.some((s) => has(s, c.value));
    // No compaction, no summary: "in summary" has nothing to be judged on (it read ✘, as if the summary lost it).
    const inSummary = readable === undefined || (o.compactions === 0 && !readable.length) ? null : found ? true : redacted ? null : false;
    const applied = c.kind === 'rule' ? (files.length ? files.every((f) => has(f.text, c.value)) : has(o.work, c.value)) : has(o.work, c.value);
    const recalled = has(o.recall, c.value);
    return { kind: c.kind, value: c.value, inSummary, applied, recalled, survived: o.compactions > 0 ? applied || recalled : null };
  });
  return { compactions: o.compactions, rows, notes };
}

const mark = (b: boolean | null) => (b === null ? '—' : b ? '✔' : '✘');

/** The operators' survival matrix as text lines. */
export function survivalLines(m: SurvivalMatrix): string[] {
  const lines = [`compactions before the work: ${m.compactions}`, 'codeword   value                    in summary  applied after  recalled  survived'];
  for (const r of m.rows) lines.push(`${r.kind.padEnd(10)} ${r.value.padEnd(24)} ${mark(r.inSummary).padEnd(11)} ${mark(r.applied).padEnd(14)} ${mark(r.recalled).padEnd(9)} ${mark(r.survived)}`);
  for (const n of m.notes) lines.push(`note: ${n}`);
  return lines;
}

/** Compaction summaries from an `openclaw sessions export-trajectory` events.jsonl (the trajectory reader's). */
export function compactionSummaries(eventsJsonl: string): string[] {
  return summarizeTrajectory(eventsJsonl).compactions.flatMap((c) => (c.summary === null ? [] : [c.summary]));
}

/**
 * The built-in workload: its prompt is the planting message of a fixed seed. As a plain lab run it is one
 * turn; `local-ai-lab probe codewords` runs the whole script (plant, grow, work, recall) in one session.
 */
export const CODEWORD_WORKLOAD: Workload = {
  name: 'codeword-survival',
  description: 'Plants four codewords, grows the conversation past compaction, then asks for work and a recall: run it with local-ai-lab probe codewords for the survival matrix.',
  dispatcher: 'openclaw',
  transport: 'auto',
  prompt: plantMessage(makeCodewords(1)),
  repeats: 1,
  timeoutSeconds: 900,
  maxOutputBytes: 8 * 1024 * 1024,
};

/** One probe session as the panel and the record hold it (`CodewordSession` without its turn plumbing). */
export interface CodewordSessionResult {
  readonly sessionKey: string;
  readonly matrix: SurvivalMatrix;
  readonly turns: number;
  readonly error?: string;
}

/** What the Lab panel draws for a codeword probe: one table per session and a line over all of them. */
export interface CodewordView {
  readonly title: string;
  readonly head: string[];
  readonly tables: { caption: string; rows: string[][]; notes: string[] }[];
  /** "rule 2/2 · codename 0/2 · …": sessions where the codeword survived, of those with a compaction. */
  readonly summary: string;
}

/** ✔/✘ with the word beside it, so the mark is not the only carrier of meaning (and reads aloud). */
const cellMark = (b: boolean | null) => (b === null ? '— unknown' : b ? '✔ yes' : '✘ no');

export const CODEWORD_HEAD = ['codeword', 'value', 'in summary', 'applied after compaction', 'recalled at the end', 'survived the summary'];

/** Per codeword kind: sessions where it survived the summary, of those where it could (a compaction, no error). */
export function survivedCounts(sessions: readonly CodewordSessionResult[]): Record<string, { survived: number; of: number }> {
  const survived: Record<string, { survived: number; of: number }> = {};
  for (const s of sessions) {
    for (const r of s.matrix.rows) {
      const e = (survived[r.kind] ??= { survived: 0, of: 0 });
      if (r.survived === null || s.error) continue;
      e.of++;
      if (r.survived) e.survived++;
    }
  }
  return survived;
}

export function codewordView(o: { agent: string; profile: string | null; startedAt: string; sessions: readonly CodewordSessionResult[] }): CodewordView {
  const survived = survivedCounts(o.sessions);
  return {
    title: `Codeword survival: agent ${o.agent}${o.profile ? ` under ${o.profile}` : ''}, ${o.sessions.length} session${o.sessions.length === 1 ? '' : 's'} (${o.startedAt.slice(0, 16).replace('T', ' ')})`,
    head: CODEWORD_HEAD,
    tables: o.sessions.map((s, i) => ({
      caption: `Session ${i + 1}: ${s.matrix.compactions} compaction${s.matrix.compactions === 1 ? '' : 's'} before the work, ${s.turns} turns${s.error ? ` — ${s.error}` : ''}`,
      rows: s.matrix.rows.map((r) => [r.kind, r.value, cellMark(r.inSummary), cellMark(r.applied), cellMark(r.recalled), cellMark(r.survived)]),
      notes: s.matrix.notes,
    })),
    summary: `Survived the summary: ${Object.entries(survived).map(([k, v]) => `${k} ${v.survived}/${v.of}`).join(' · ') || 'no session ran'}`,
  };
}
