import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { EditPlan, ServerAction } from './findings.js';
import { decodeText, encodeText, parseDocument } from './openclaw/document.js';
import { applyEdits } from './text.js';
import { ChangedOnDisk, sha256, writeAtomic } from './fsutil.js';
import { requestJson } from './servers/http.js';

export class PlanRefused extends Error {}

export interface FileChange {
  readonly file: string;
  readonly before: string;
  readonly after: string;
}

/**
 * Computes the new text of each file in the plan. Refuses when a file's current bytes differ from
 * `expectedHashes[file]`, or when the result would no longer parse as JSON5 — a fix must never
 * leave a file OpenClaw cannot read.
 */
export function previewPlan(plan: EditPlan, expectedHashes: ReadonlyMap<string, string>): FileChange[] {
  return plan.edits.map((fe) => {
    const bytes = fs.readFileSync(fe.file);
    const expected = expectedHashes.get(fe.file);
    if (expected !== undefined && sha256(bytes) !== expected) throw new ChangedOnDisk(fe.file);
    const { text } = decodeText(bytes);
    const after = applyEdits(text, fe.edits);
    const check = parseDocument(fe.file, after);
    if (check.error) throw new PlanRefused(`the edit would leave ${path.basename(fe.file)} unparseable (${check.error.message}); nothing was written`);
    return { file: fe.file, before: text, after };
  });
}

/** Writes every file of the plan atomically (temporary file + rename), keeping encoding and mode. */
export function writePlan(plan: EditPlan, expectedHashes: ReadonlyMap<string, string>): FileChange[] {
  const changes = previewPlan(plan, expectedHashes);
  for (const c of changes) {
    const bytes = fs.readFileSync(c.file);
    const { encoding } = decodeText(bytes);
    writeAtomic(c.file, encodeText(c.after, encoding), sha256(bytes));
  }
  return changes;
}

/** A unified diff of one change, for `--dry-run` and previews. */
export function unifiedDiff(change: FileChange, context = 3): string {
  if (change.before === change.after) return '';
  return createTwoFilesPatch(change.file, change.file, change.before, change.after, undefined, undefined, { context }).replace(/^=+\n/m, '');
}

export interface ActionOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly lmStudioToken?: string;
}

/** Runs one runtime action. LM Studio loads can take minutes; the caller shows progress and can cancel. */
export async function runAction(action: ServerAction, opts: ActionOptions): Promise<string> {
  if (action.kind === 'instruct') return action.text;
  const root = new URL(action.baseUrl);
  const base = `${root.protocol}//${root.host}`;
  const headers = opts.lmStudioToken ? { authorization: `Bearer ${opts.lmStudioToken}` } : undefined;
  if (action.kind === 'unload') {
    const r = await requestJson(`${base}/api/v1/models/unload`, { method: 'POST', body: { instance_id: action.identifier }, timeoutMs: opts.timeoutMs, signal: opts.signal, headers });
    if (!r.ok) throw new Error(`LM Studio did not unload ${action.identifier}: ${r.failure.message}`);
    return `unloaded ${action.identifier}`;
  }
  const r = await requestJson(`${base}/api/v1/models/load`, {
    method: 'POST',
    body: { model: action.modelKey, context_length: action.contextLength, echo_load_config: true },
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    headers,
  });
  if (!r.ok) throw new Error(`LM Studio did not load ${action.modelKey} at ${action.contextLength}: ${r.failure.message}`);
  return `loaded ${action.modelKey} at ${action.contextLength}`;
}
