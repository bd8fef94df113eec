import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { PROMPT_SECTIONS_WORKLOAD } from './promptSections.js';
import { CODEWORD_WORKLOAD } from './codewords.js';

/** Timeouts beyond two hours are refused (a huge value would overflow Node's 32-bit timer into ~1 ms). */
export const MAX_TIMEOUT_SECONDS = 7200;
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
export const MAX_OUTPUT_BYTES_LIMIT = 256 * 1024 * 1024;

/** A workload: what a lab session runs, n times. `.local-ai-lab/workloads/<name>.json`. */
export const WorkloadSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes')),
  description: z.optional(z.string()),
  dispatcher: z.enum(['openclaw', 'openai']),
  prompt: z.optional(z.string().check(z.minLength(1))),
  /** Relative to the workload file. */
  promptFile: z.optional(z.string()),
  /** openclaw: the agent id (default "main"). */
  agent: z.optional(z.string().check(z.regex(/^[a-z0-9_][a-z0-9_-]{0,63}$/i, 'an OpenClaw agent id'))),
  /**
   * openclaw: through a running Gateway (saves OpenClaw's ~10 s start-up per dispatch), embedded (--local), or
   * auto: the Gateway when its port answers.
   */
  transport: z._default(z.enum(['auto', 'local', 'gateway']), 'auto'),
  /** "provider/model" as in openclaw.json; default: the config's primary. */
  model: z.optional(z.string().check(z.regex(/^[^/\s]+\/\S+$/, 'a "provider/model" reference'))),
  repeats: z._default(z.int().check(z.gte(1), z.lte(1000)), 6),
  timeoutSeconds: z._default(z.int().check(z.gte(1), z.lte(MAX_TIMEOUT_SECONDS)), 600),
  /** A dispatch's output is cut off here (errorKind "output-too-large"): an endless stream cannot fill memory. */
  maxOutputBytes: z._default(z.int().check(z.gte(1024), z.lte(MAX_OUTPUT_BYTES_LIMIT)), DEFAULT_MAX_OUTPUT_BYTES),
  /** openai: completion tokens at most. */
  maxTokens: z.optional(z.int().check(z.gte(1))),
  expectations: z.optional(
    z.strictObject({
      /** Every string must appear in the reply. */
      contains: z.optional(z.array(z.string().check(z.minLength(1)))),
      /** The reply must match (JavaScript syntax, no flags). */
      regex: z.optional(z.string()),
      /** Run after each dispatch (an argument array, never a shell string); exit 0 = met. */
      /** timeoutSeconds is at most 7200 (2 h), like the workload's: larger values are refused, not clamped. */
      verify: z.optional(z.strictObject({ command: z.array(z.string()).check(z.minLength(1)), timeoutSeconds: z._default(z.int().check(z.gte(1), z.lte(MAX_TIMEOUT_SECONDS)), 60) })),
    }),
  ),
  /** Apply this profile before the first dispatch. */
  profile: z.optional(z.string()),
});
export type Workload = z.output<typeof WorkloadSchema>;

export class WorkloadError extends Error {}

/** Works on a fresh install: one short question straight to the primary model's server. */
export const BUILTIN_WORKLOADS: readonly Workload[] = [
  {
    name: 'quick-check',
    description: 'One short question to the primary model over its OpenAI-compatible API; the reply must end with DONE.',
    dispatcher: 'openai',
    transport: 'auto',
    prompt: 'In two sentences, explain what a context window limits in a language model. End your reply with the word DONE.',
    repeats: 6,
    timeoutSeconds: 120,
    maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
    maxTokens: 256,
    expectations: { contains: ['DONE'] },
  },
  {
    name: 'agent-turn',
    description: 'One OpenClaw agent turn (openclaw agent --local), each in its own session.',
    dispatcher: 'openclaw',
    transport: 'auto',
    prompt: 'List three things you would check before a long agentic run on a local model, then write DONE on its own line.',
    repeats: 6,
    timeoutSeconds: 600,
    maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
    expectations: { contains: ['DONE'] },
  },
  PROMPT_SECTIONS_WORKLOAD,
  CODEWORD_WORKLOAD,
];

/** Validates a workload; the error names the field. */
export function parseWorkload(json: unknown, source: string): Workload {
  const r = WorkloadSchema.safeParse(json);
  if (!r.success) throw new WorkloadError(`${source}: ${r.error.issues.map(describeIssue).join('; ')}`);
  const w = r.data;
  if (!w.prompt === !w.promptFile) throw new WorkloadError(`${source}: give exactly one of prompt or promptFile`);
  if (w.expectations?.regex) {
    try {
      new RegExp(w.expectations.regex);
    } catch (err) {
      throw new WorkloadError(`${source}: expectations.regex: ${(err as Error).message}`);
    }
  }
  return w;
}

interface Issue {
  readonly code?: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
  readonly expected?: unknown;
  readonly maximum?: unknown;
  readonly minimum?: unknown;
  readonly values?: readonly unknown[];
  readonly origin?: string;
}

/**
 * One zod issue as "field: what is wrong". zod/mini carries no locale ("Invalid input"), so the words are
 * ours; duck-typed so that naming zod's core types does not pull every locale into the bundle.
 */
export function describeIssue(i: Issue): string {
  const at = (p: readonly PropertyKey[]) => p.map(String).join('.');
  const field = at(i.path) || 'workload';
  switch (i.code) {
    case 'unrecognized_keys':
      return (i.keys ?? []).map((k) => `${at([...i.path, k])}: unknown field`).join('; ');
    case 'invalid_type':
      return `${field}: expected ${String(i.expected)}`;
    case 'too_big':
      return `${field}: at most ${String(i.maximum)}${i.origin === 'array' ? ' items' : i.origin === 'string' ? ' characters' : ''}`;
    case 'too_small':
      return `${field}: at least ${String(i.minimum)}${i.origin === 'array' ? ' items' : i.origin === 'string' ? ' characters' : ''}`;
    case 'invalid_value':
      return `${field}: one of ${(i.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${field}: ${i.message}`;
  }
}

export interface LoadOptions {
  /** Folders a promptFile may also lie in besides the workload file's own (the workspace; the CLI's cwd). */
  readonly roots?: readonly string[];
  /** Machine-scoped opt-in (setting localAiLab.lab.allowPromptFilesAnywhere, CLI --allow-any-prompt-file). */
  readonly allowAnyPromptFile?: boolean;
}

/** A name (built-in or `<dir>/workloads/<name>.json`) or a path to a workload file. */
export function loadWorkload(ref: string, labDir: string, opts: LoadOptions = {}): { workload: Workload; prompt: string; file?: string } {
  const asPath = ref.endsWith('.json') ? path.resolve(ref) : path.join(labDir, 'workloads', `${ref}.json`);
  if (fs.existsSync(asPath)) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(asPath, 'utf8'));
    } catch (err) {
      throw new WorkloadError(`${asPath}: not JSON: ${(err as Error).message}`);
    }
    const workload = parseWorkload(json, asPath);
    const prompt = workload.prompt ?? readPromptFile(asPath, workload.promptFile!, opts);
    return { workload, prompt, file: asPath };
  }
  const builtin = BUILTIN_WORKLOADS.find((w) => w.name === ref);
  if (!builtin) throw new WorkloadError(`no workload "${ref}" (built-in: ${BUILTIN_WORKLOADS.map((w) => w.name).join(', ')}; or ${path.join(labDir, 'workloads', `${ref}.json`)})`);
  return { workload: builtin, prompt: builtin.prompt! };
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

const inside = (file: string, dir: string) => {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * A promptFile is read only from the workload file's folder (or below) or one of `roots`, judged after
 * symlinks are resolved, so a workload cannot send /etc/passwd or ~/.ssh/id_ed25519 as its prompt.
 */
function readPromptFile(workloadFile: string, promptFile: string, opts: LoadOptions): string {
  const file = path.resolve(path.dirname(workloadFile), promptFile);
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (err) {
    throw new WorkloadError(`${workloadFile}: promptFile ${file}: ${(err as Error).message}`);
  }
  if (!opts.allowAnyPromptFile) {
    const roots = [path.dirname(workloadFile), ...(opts.roots ?? [])].map(realpathOr);
    if (!roots.some((r) => inside(real, r))) {
      throw new WorkloadError(
        `${workloadFile}: promptFile ${file}${real !== file ? ` (→ ${real})` : ''} is outside the workload's folder and the workspace; move it there, or allow it on this machine (setting localAiLab.lab.allowPromptFilesAnywhere, CLI --allow-any-prompt-file)`,
      );
    }
  }
  try {
    return fs.readFileSync(real, 'utf8');
  } catch (err) {
    throw new WorkloadError(`${workloadFile}: promptFile ${file}: ${(err as Error).message}`);
  }
}
