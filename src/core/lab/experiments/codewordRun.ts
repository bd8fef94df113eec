import fs from 'node:fs';
import { stateEnvFor } from '../../openclaw/locate.js';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { compactionSummaries, growthMessage, makeCodewords, plantMessage, RECALL_MESSAGE, survivalMatrix, survivedCounts, WORK_MESSAGE, type Codeword, type SurvivalMatrix } from './codewords.js';
import { runAgentTurn } from './promptSections.js';
import { recordFolder } from '../records/folder.js';
import { newSessionId } from '../records/store.js';
import { endpointReady } from '../session.js';
import { CODEWORD_WORKLOAD } from './codewords.js';
import type { ArmSpec, ExperimentOutcome, ExperimentReporter } from './driver.js';
import { runProbeArm, type ProbeArmOptions } from './labRun.js';
import { loadExeca } from '../../execa.js';

/** Exports one session's trajectory (`openclaw sessions export-trajectory`) and reads its compaction summaries; undefined when it fails. */
export async function exportSummaries(executable: string, sessionKey: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<string[] | undefined> {
  const execa = await loadExeca();
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-cw-'));
  try {
    const r = await execa(executable, ['sessions', 'export-trajectory', '--session-key', sessionKey, '--workspace', ws, '--output', 'probe', '--json'], { env, timeout: timeoutMs, reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) return undefined;
    let dir = path.join(ws, '.openclaw', 'trajectory-exports', 'probe');
    try {
      dir = (JSON.parse(String(r.stdout)) as { outputDir?: string }).outputDir ?? dir;
    } catch {
      /* the default folder */
    }
    return compactionSummaries(fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
  } catch {
    return undefined;
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

export interface CodewordRunOptions {
  readonly executable: string;
  readonly configPath: string;
  readonly agent: string;
  readonly transport: 'local' | 'gateway';
  readonly timeoutMs: number;
  /** Filler turns at most before giving up on a compaction (default 6). */
  readonly maxGrowthTurns?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly onTurn?: (what: string) => void;
}

export interface CodewordSession {
  readonly sessionKey: string;
  readonly codewords: Codeword[];
  readonly matrix: SurvivalMatrix;
  readonly turns: number;
  readonly error?: string;
}

/**
 * One probe session: plant, grow until the compaction records show a compaction (or the filler turns run
 * out), the work turn, the recall turn; then the matrix. Each turn is a separate `openclaw agent` call in
 * the same session.
 */
export async function runCodewordSession(o: CodewordRunOptions, index: number): Promise<CodewordSession> {
  const codewords = makeCodewords(o.seed ?? Date.now() + index);
  const sessionKey = `agent:${o.agent}:lal-codewords-${Date.now().toString(36)}-${index}`;
  const env = { ...(o.env ?? process.env), OPENCLAW_CONFIG_PATH: o.configPath, ...stateEnvFor(o.configPath, o.env ?? process.env) };
  let turns = 0;
  const turn = async (what: string, message: string) => {
    o.onTurn?.(what);
    turns++;
    const r = await runAgentTurn({ ...o, sessionKey, message, env });
    if (r.error) throw new Error(`${what}: ${r.error}`);
    return r.reply;
  };
  const empty = (error: string, summaries?: string[]): CodewordSession => ({ sessionKey, codewords, turns, error, matrix: survivalMatrix({ codewords, compactions: summaries?.length ?? 0, summaries, work: '', recall: '' }) });
  let summaries: string[] | undefined = [];
  try {
    await turn('plant', plantMessage(codewords));
    for (let g = 0; g < (o.maxGrowthTurns ?? 6); g++) {
      if (o.signal?.aborted) return empty('cancelled');
      await turn(`grow ${g + 1}`, growthMessage(g));
      summaries = await exportSummaries(o.executable, sessionKey, env);
      if (summaries?.length) break;
    }
    const before = summaries?.length ?? 0;
    const work = await turn('work', WORK_MESSAGE);
    const recall = await turn('recall', RECALL_MESSAGE);
    const all = await exportSummaries(o.executable, sessionKey, env);
    // The summaries written before the work turn are the ones the work could only know through.
    return { sessionKey, codewords, turns, matrix: survivalMatrix({ codewords, compactions: before, summaries: all?.slice(0, Math.max(before, 0)) ?? summaries, work, recall }) };
  } catch (err) {
    return empty((err as Error).message, summaries);
  }
}

export interface CodewordAggregate {
  readonly n: number;
  /** Per codeword kind: sessions where it survived, of those with a compaction. */
  readonly survived: Record<string, { survived: number; of: number }>;
}

export function aggregate(sessions: readonly CodewordSession[]): CodewordAggregate {
  return { n: sessions.length, survived: survivedCounts(sessions) };
}

/**
 * A codeword probe as recorded in `<lab>/probes/<id>.json` (the CLI and the editor write the same file), so
 * the Lab panel can show its matrix later and after a reload.
 */
const Mark = z.nullable(z.boolean());
export const CodewordRecordSchema = z.looseObject({
  schemaVersion: z.literal(1),
  kind: z.literal('codewords'),
  id: z.string(),
  startedAt: z.string(),
  agent: z.string(),
  profile: z.nullable(z.string()),
  config: z.string(),
  sessions: z.array(
    z.looseObject({
      sessionKey: z.string(),
      turns: z.int(),
      error: z.optional(z.string()),
      codewords: z.optional(z.array(z.looseObject({ kind: z.enum(['rule', 'codename', 'number', 'sla']), value: z.string() }))),
      matrix: z.looseObject({
        compactions: z.int(),
        notes: z.array(z.string()),
        rows: z.array(z.looseObject({ kind: z.enum(['rule', 'codename', 'number', 'sla']), value: z.string(), inSummary: Mark, applied: Mark, recalled: z.boolean(), survived: Mark })),
      }),
    }),
  ),
});
export type CodewordRecord = z.infer<typeof CodewordRecordSchema>;

const probes = recordFolder('probes', 'codeword probe', CodewordRecordSchema);
export const writeCodewordRecord = probes.write;
export const readCodewordRecord = probes.read;
/** Every readable codeword probe record under `root`, oldest first; an unreadable one is skipped. */
export const listCodewordRecords = probes.list;

/** The record of a finished probe. */
export function codewordRecord(o: { id: string; startedAt: string; agent: string; profile: string | null; config: string; sessions: readonly CodewordSession[] }): CodewordRecord {
  return { schemaVersion: 1, kind: 'codewords', ...o, sessions: o.sessions.map((s) => ({ ...s, codewords: s.codewords.map((c) => ({ ...c })), matrix: { ...s.matrix, rows: s.matrix.rows.map((r) => ({ ...r })), notes: [...s.matrix.notes] } })) };
}

export interface CodewordProbeOptions extends ProbeArmOptions {
  readonly agent: string;
  /** Sessions (default 1). */
  readonly n: number;
  readonly maxGrowthTurns?: number;
  readonly timeoutMs: number;
  /** The lab folder: the record goes to `<root>/probes/<id>.json`. */
  readonly root: string;
  readonly report?: ExperimentReporter & { readonly turn?: (session: number, of: number, what: string) => void };
}

export interface CodewordProbeResult {
  readonly id: string;
  /** The config the probe ran with. */
  readonly config: string;
  /** Where the record was written. */
  readonly record: string;
  readonly sessions: readonly CodewordSession[];
  readonly outcome: ExperimentOutcome<ArmSpec, CodewordSession[]>;
}

/**
 * The codeword probe for the CLI and the editor alike: under a profile or as things are (one arm of the experiment
 * driver, so the state from before comes back the same way as after a lab), n sessions, the record written.
 */
export async function runCodewordProbe(o: CodewordProbeOptions): Promise<CodewordProbeResult> {
  const workload = { ...CODEWORD_WORKLOAD, agent: o.agent };
  const startedAt = new Date().toISOString();
  const { first, outcome } = await runProbeArm<CodewordSession[]>(o, async (now, signal) => {
    const { transport } = await endpointReady(o.env, now, workload, signal);
    const sessions: CodewordSession[] = [];
    for (let i = 0; i < o.n && !signal.aborted; i++) {
      sessions.push(await runCodewordSession({ executable: o.env.openclaw, configPath: now.file, agent: o.agent, transport, timeoutMs: o.timeoutMs, maxGrowthTurns: o.maxGrowthTurns, signal, onTurn: (what) => o.report?.turn?.(i, o.n, what) }, i));
    }
    return sessions;
  });
  const sessions = outcome.arms[0]?.result ?? [];
  // Recorded beside the lab sessions, so the Lab panel can show the matrix (now and after a reload).
  const id = newSessionId(`codewords-${o.agent}`);
  const record = writeCodewordRecord(o.root, codewordRecord({ id, startedAt, agent: o.agent, profile: o.profile ?? null, config: first.file, sessions }));
  return { id, config: first.file, record, sessions, outcome };
}
