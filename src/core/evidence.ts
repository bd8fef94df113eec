import path from 'node:path';
import * as z from 'zod/mini';
import type { Finding } from './findings.js';
import { sha256 } from './fsutil.js';
import { parseLines } from './lab/records/jsonl.js';
import { readBoundedSync } from './read.js';

/**
 * What a `lab prove` measured on this machine, one line of `.local-ai-lab/evidence.jsonl`, keyed by the rule, the
 * finding's path and the config's text (sha256) it was measured on. A finding of that rule at that path on the same
 * config then says "measured here on DATE: …" instead of standing on the operators' figure alone.
 */
const Interval = z.object({ value: z.number(), low: z.number(), high: z.number() });
export const ProofEvidenceSchema = z.looseObject({
  rule: z.string(),
  path: z.string(),
  fix: z.string(),
  measuredAt: z.string(),
  configSha256: z.string(),
  loadedModels: z.array(z.looseObject({ provider: z.string(), id: z.string(), context: z.optional(z.nullable(z.number())) })),
  sessions: z.object({ asIs: z.string(), fix: z.string() }),
  n: z.number(),
  medianSeconds: z.nullable(Interval),
  completion: z.object({ asIs: z.number(), fix: z.number() }),
  compactions: z.object({ asIs: z.array(z.string()), fix: z.array(z.string()) }),
});
export type ProofEvidence = z.infer<typeof ProofEvidenceSchema>;

export const EVIDENCE_FILE = 'evidence.jsonl';

/**
 * The proofs kept in a lab folder: none when there is no file or it cannot be read as a plain file of at most
 * 2 MB (every CLI check reads it, so a FIFO or a huge file planted in a lab folder must neither block nor cost);
 * unreadable lines are skipped.
 */
export function readEvidence(labRoot: string): ProofEvidence[] {
  let text = '';
  try {
    const bytes = readBoundedSync(path.join(labRoot, EVIDENCE_FILE));
    text = bytes ? Buffer.from(bytes).toString('utf8') : '';
  } catch {
    text = '';
  }
  return parseLines(text, ProofEvidenceSchema).records;
}

/** The key a proof and a config share: sha256 of the config's text as parsed (no byte-order mark). */
export function configKey(text: string): string {
  return sha256(text);
}

const pct = (x: number) => `${Math.round(x * 100)} %`;
const s = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} s`;

/** One sentence: what the fix did here, with the session to open. */
export function measuredLine(e: ProofEvidence): string {
  const m = e.medianSeconds;
  const time = m ? `median wall time ${s(m.value)} (95 % interval ${s(m.low)} … ${s(m.high)})` : 'too few dispatches for a median';
  const summarized = e.compactions.fix.length ? `; compactions summarized by ${[...new Set(e.compactions.fix)].join(', ')} with the fix, ${[...new Set(e.compactions.asIs)].join(', ') || 'none'} as is` : '';
  return `Measured here on ${e.measuredAt.slice(0, 10)}: "${e.fix}" — ${time}, completion ${pct(e.completion.asIs)} → ${pct(e.completion.fix)} over ${e.n} dispatches each${summarized} (lab session ${e.sessions.fix}).`;
}

/** Findings with a proof on this very config get the measured figure appended (the newest proof wins). */
export function withMeasured(findings: Finding[], evidence: readonly ProofEvidence[] | undefined, text: string): Finding[] {
  if (!evidence?.length) return findings;
  const key = configKey(text);
  return findings.map((f) => {
    const e = [...evidence].reverse().find((x) => x.rule === f.rule && x.path === f.path.join('.') && x.configSha256 === key);
    return e ? { ...f, message: `${f.message} ${measuredLine(e)}` } : f;
  });
}
