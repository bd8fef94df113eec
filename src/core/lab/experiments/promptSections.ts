import fs from 'node:fs';
import { stateEnvFor } from '../../openclaw/locate.js';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import type { Workload } from '../workloadSchema.js';
import { toValue } from '../../openclaw/document.js';
import { look, type LabEnv } from '../look.js';
import { endpointReady } from '../session.js';
import { loadExeca } from '../../execa.js';

/**
 * The prompt-sections probe: is my workspace context really in the prompt? The agent is asked to list,
 * verbatim, the section headers and file names it sees in its system prompt; each workspace file that
 * exists is then present (the model reported it) or missing (it did not). OpenClaw's own record of what it
 * injected (`meta.systemPromptReport.injectedWorkspaceFiles` in `openclaw agent --json`, built by
 * buildBootstrapInjectionStats in 2026.9.6) is shown beside it; the model's behaviour is the ground truth.
 */

/** The files OpenClaw injects as "Project Context" (`## <path>` headers under `# Project Context`). */
export const WORKSPACE_FILES = ['AGENTS.md', 'SOUL.md', 'USER.md', 'TOOLS.md', 'IDENTITY.md', 'BOOTSTRAP.md'] as const;

export const PROMPT_SECTIONS_PROMPT =
  'Audit of your own system prompt. First, under a line "HEADERS:", copy verbatim every Markdown section header (every line that starts with #) of your system prompt, one per line, in order. ' +
  'Then, under a line "FILES:", list every file name (such as something.md) that appears in your system prompt, one per line. Do not use tools, do not read files, do not explain. Finish with DONE on its own line.';

/** Built-in workload for the `openclaw` dispatcher (also run by `local-ai-lab probe prompt-sections`). */
export const PROMPT_SECTIONS_WORKLOAD: Workload = {
  name: 'prompt-sections',
  description: 'Asks the agent to list the section headers and file names in its system prompt: which workspace files (AGENTS.md, SOUL.md, …) reached it.',
  dispatcher: 'openclaw',
  transport: 'auto',
  prompt: PROMPT_SECTIONS_PROMPT,
  repeats: 1,
  timeoutSeconds: 600,
  maxOutputBytes: 8 * 1024 * 1024,
  expectations: { contains: ['DONE'] },
};

const InjectedFileSchema = z.looseObject({ name: z.optional(z.string()), path: z.optional(z.string()), missing: z.optional(z.boolean()), injectedChars: z.optional(z.number()), rawChars: z.optional(z.number()), truncated: z.optional(z.boolean()) });
const ReportSchema = z.looseObject({ workspaceDir: z.optional(z.string()), injectedWorkspaceFiles: z.optional(z.array(InjectedFileSchema)) });
const MetaSchema = z.looseObject({ systemPromptReport: z.optional(z.nullable(ReportSchema)), finalAssistantVisibleText: z.optional(z.nullable(z.string())) });
const ResultSchema = z.looseObject({
  payloads: z.optional(z.array(z.looseObject({ text: z.optional(z.nullable(z.string())) }))),
  meta: z.optional(MetaSchema),
  result: z.optional(z.looseObject({ payloads: z.optional(z.array(z.looseObject({ text: z.optional(z.nullable(z.string())) }))), meta: z.optional(MetaSchema) })),
  ok: z.optional(z.boolean()),
  error: z.optional(z.looseObject({ message: z.optional(z.string()) })),
});

export type InjectedFile = z.infer<typeof InjectedFileSchema>;

export interface AgentProbeResult {
  readonly reply: string;
  readonly workspaceDir?: string;
  /** OpenClaw's record; undefined when the result carried none (older releases, a Gateway that strips it). */
  readonly injected?: readonly InjectedFile[];
  readonly error?: string;
}

/** Reads `openclaw agent --json` stdout (embedded or through a Gateway). */
export function parseProbeResult(stdout: string): AgentProbeResult {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { reply: '', error: 'openclaw printed no JSON' };
  }
  const r = ResultSchema.safeParse(json);
  if (!r.success) return { reply: '', error: 'openclaw answered in an unexpected shape' };
  if (r.data.ok === false) return { reply: '', error: r.data.error?.message ?? 'openclaw failed' };
  const meta = r.data.meta ?? r.data.result?.meta;
  const payloads = r.data.payloads ?? r.data.result?.payloads ?? [];
  const reply = payloads.map((p) => p.text ?? '').filter(Boolean).join('\n') || meta?.finalAssistantVisibleText || '';
  const report = meta?.systemPromptReport ?? undefined;
  return { reply, workspaceDir: report?.workspaceDir, injected: report?.injectedWorkspaceFiles };
}

export interface FileVerdict {
  readonly name: string;
  readonly exists: boolean;
  /** The model reported the file (its `## …` header or its name). */
  readonly seen: boolean;
  /** OpenClaw's record: injected (chars > 0), not injected, or null when there is no record of it. */
  readonly injected: boolean | null;
  readonly injectedChars?: number;
  readonly truncated?: boolean;
}

export interface PromptSectionsReport {
  readonly workspaceDir: string | null;
  readonly files: FileVerdict[];
  /** The headers the model copied (lines starting with #). */
  readonly headers: string[];
  readonly findings: string[];
  readonly recordsAvailable: boolean;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether the reply names `file` as a file (AGENTS.md, ./AGENTS.md, /x/AGENTS.md, `## AGENTS.md`), case-insensitive. */
export function mentions(reply: string, file: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_])${escape(file)}(?![A-Za-z0-9_])`, 'i').test(reply);
}

/** The verdict per workspace file, and findings in words; `existing` are the file names present in the workspace. */
export function analyzePromptSections(o: { existing: readonly string[]; reply: string; injected?: readonly InjectedFile[]; workspaceDir?: string | null }): PromptSectionsReport {
  const headers = o.reply.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^#{1,6}\s/.test(l));
  const records = o.injected;
  const findings: string[] = [];
  const files: FileVerdict[] = [];
  for (const name of WORKSPACE_FILES) {
    const exists = o.existing.some((e) => e.toLowerCase() === name.toLowerCase());
    const seen = mentions(o.reply, name);
    const rec = records?.find((r) => (r.name ?? path.posix.basename((r.path ?? '').replace(/\\/g, '/'))).toLowerCase() === name.toLowerCase());
    const injected = !records ? null : !rec ? false : !rec.missing && (rec.injectedChars ?? 0) > 0;
    if (!exists && !seen && !rec) continue;
    files.push({ name, exists, seen, injected, ...(rec?.injectedChars !== undefined ? { injectedChars: rec.injectedChars } : {}), ...(rec?.truncated ? { truncated: true } : {}) });
    if (exists && !seen) findings.push(`${name} exists but did not reach the prompt${injected === true ? ` (OpenClaw's records say it injected ${rec?.injectedChars} characters; the model's behaviour is the ground truth)` : ''}`);
    else if (exists && seen && injected === false) findings.push(`${name}: the model reports it, but OpenClaw's records say it was not injected; they disagree (the model's behaviour is the ground truth)`);
    if (rec?.truncated && seen) findings.push(`${name} reached the prompt truncated (${rec.injectedChars} of ${rec.rawChars} characters; bootstrapMaxChars)`);
  }
  return { workspaceDir: o.workspaceDir ?? null, files, headers, findings, recordsAvailable: !!records };
}

/** Which of WORKSPACE_FILES exist in `dir` (case as on disk is ignored, as OpenClaw's ordering does). */
export function existingWorkspaceFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return WORKSPACE_FILES.filter((f) => names.some((n) => n.toLowerCase() === f.toLowerCase() && fs.statSync(path.join(dir, n)).isFile()));
}

/**
 * The agent's workspace when OpenClaw's report does not name it: the agent entry's `workspace`, else
 * `agents.defaults.workspace`, else OPENCLAW_WORKSPACE_DIR, else `<state dir>/workspace` (reference/openclaw.md §4).
 */
export function workspaceFromConfig(root: unknown, agent: string, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  const get = (o: unknown, ...keys: string[]) => keys.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
  const listed = get(root, 'agents', 'list');
  const fromList = Array.isArray(listed) ? (listed.find((a) => get(a, 'id') === agent) as unknown) : undefined;
  const value = get(root, 'agents', 'entries', agent, 'workspace') ?? get(fromList, 'workspace') ?? get(root, 'agents', 'defaults', 'workspace') ?? env.OPENCLAW_WORKSPACE_DIR;
  const h = env.OPENCLAW_HOME || home;
  if (typeof value === 'string' && value) return value.startsWith('~') ? path.join(h, value.slice(1)) : path.resolve(value);
  return path.join(env.OPENCLAW_STATE_DIR || path.join(h, '.openclaw'), 'workspace');
}

/** The report in lines for a terminal. */
export function promptSectionsLines(r: PromptSectionsReport): string[] {
  const lines = [`workspace ${r.workspaceDir ?? '(unknown)'}`, 'file           exists  in prompt (model)  injected (OpenClaw records)'];
  for (const f of r.files) lines.push(`${f.name.padEnd(14)} ${(f.exists ? 'yes' : 'no').padEnd(7)} ${(f.seen ? 'present' : 'missing').padEnd(18)} ${f.injected === null ? '—' : f.injected ? `yes${f.injectedChars !== undefined ? ` (${f.injectedChars} chars${f.truncated ? ', truncated' : ''})` : ''}` : 'no'}`);
  if (!r.recordsAvailable) lines.push("note: this result carries no systemPromptReport, so only the model's answer counts");
  for (const f of r.findings) lines.push(`finding: ${f}`);
  if (!r.findings.length) lines.push('every workspace file that exists reached the prompt');
  return lines;
}

export interface ProbeRunOptions {
  readonly executable: string;
  readonly configPath: string;
  readonly agent: string;
  readonly transport: 'local' | 'gateway';
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * One `openclaw agent [--local] --json` turn with the probe's prompt, in a session of its own (a fresh
 * session key, so earlier turns cannot answer for the prompt). Arguments as an array; killed at the timeout.
 */
export function runPromptSectionsTurn(o: ProbeRunOptions): Promise<AgentProbeResult & { exitCode: number | null }> {
  const sessionKey = `agent:${o.agent}:lal-probe-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return runAgentTurn({ ...o, sessionKey, message: PROMPT_SECTIONS_PROMPT });
}

/**
 * One `openclaw agent [--local] --json` turn with any message in a given session (the codeword probe's
 * turns share one session key). Arguments as an array; killed at the timeout.
 */
export async function runAgentTurn(o: Omit<ProbeRunOptions, 'agent'> & { agent: string; sessionKey: string; message: string; /** `--model provider/id` (default: the agent's own). */ model?: string }): Promise<AgentProbeResult & { exitCode: number | null }> {
  const execa = await loadExeca();
  const args = ['agent', ...(o.transport === 'local' ? ['--local'] : []), '--json', '--agent', o.agent, '--session-key', o.sessionKey, ...(o.model ? ['--model', o.model] : []), '--message', o.message, '--timeout', String(Math.ceil(o.timeoutMs / 1000))];
  const r = await execa(o.executable, args, { env: { ...(o.env ?? process.env), OPENCLAW_CONFIG_PATH: o.configPath, ...stateEnvFor(o.configPath, o.env ?? process.env) }, timeout: o.timeoutMs + 30_000, cancelSignal: o.signal, reject: false, stdin: 'ignore', maxBuffer: 64 * 1024 * 1024 });
  if (r.failed && r.exitCode === undefined) return { reply: '', error: r.timedOut ? `no answer within ${Math.round(o.timeoutMs / 1000)} s` : r.isCanceled ? 'cancelled' : `could not run ${o.executable}: ${r.shortMessage}`, exitCode: null };
  const parsed = parseProbeResult(String(r.stdout ?? ''));
  return { ...parsed, exitCode: r.exitCode ?? null, ...(parsed.error && r.stderr ? { error: `${parsed.error}: ${String(r.stderr).trim().split('\n').slice(-1)[0]}` } : {}) };
}

/**
 * The prompt-sections probe for the CLI and the editor alike: one look, the endpoint checked, one OpenClaw turn,
 * the files that exist compared with what reached the prompt.
 */
export async function runPromptSectionsProbe(o: { env: LabEnv; agent: string; timeoutMs: number; signal: AbortSignal }): Promise<{ report: PromptSectionsReport; reply: string; error?: string; config: string }> {
  const now = await look(o.env);
  const { transport } = await endpointReady(o.env, now, { ...PROMPT_SECTIONS_WORKLOAD, agent: o.agent }, o.signal);
  const turn = await runPromptSectionsTurn({ executable: o.env.openclaw, configPath: now.file, agent: o.agent, transport, timeoutMs: o.timeoutMs, signal: o.signal });
  const workspaceDir = turn.workspaceDir ?? workspaceFromConfig(toValue(now.read.doc.root), o.agent, { ...process.env, ...stateEnvFor(now.file) });
  const report = analyzePromptSections({ existing: existingWorkspaceFiles(workspaceDir), reply: turn.reply, injected: turn.injected, workspaceDir });
  return { report, reply: turn.reply, config: now.file, ...(turn.error ? { error: turn.error } : {}) };
}
