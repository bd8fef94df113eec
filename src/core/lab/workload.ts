import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';

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
  timeoutSeconds: z._default(z.int().check(z.gte(1), z.lte(7200)), 600),
  /** openai: completion tokens at most. */
  maxTokens: z.optional(z.int().check(z.gte(1))),
  expectations: z.optional(
    z.strictObject({
      /** Every string must appear in the reply. */
      contains: z.optional(z.array(z.string().check(z.minLength(1)))),
      /** The reply must match (JavaScript syntax, no flags). */
      regex: z.optional(z.string()),
      /** Run after each dispatch (an argument array, never a shell string); exit 0 = met. */
      verify: z.optional(z.strictObject({ command: z.array(z.string()).check(z.minLength(1)), timeoutSeconds: z._default(z.int().check(z.gte(1)), 60) })),
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
    expectations: { contains: ['DONE'] },
  },
];

/** Validates a workload; the error names the field. */
export function parseWorkload(json: unknown, source: string): Workload {
  const r = WorkloadSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new WorkloadError(`${source}: ${i.path.length ? i.path.join('.') : 'workload'}: ${i.message}`);
  }
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

/** A name (built-in or `<dir>/workloads/<name>.json`) or a path to a workload file. */
export function loadWorkload(ref: string, labDir: string): { workload: Workload; prompt: string; file?: string } {
  const asPath = ref.endsWith('.json') ? path.resolve(ref) : path.join(labDir, 'workloads', `${ref}.json`);
  if (fs.existsSync(asPath)) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(asPath, 'utf8'));
    } catch (err) {
      throw new WorkloadError(`${asPath}: not JSON: ${(err as Error).message}`);
    }
    const workload = parseWorkload(json, asPath);
    const prompt = workload.prompt ?? readPromptFile(path.resolve(path.dirname(asPath), workload.promptFile!));
    return { workload, prompt, file: asPath };
  }
  const builtin = BUILTIN_WORKLOADS.find((w) => w.name === ref);
  if (!builtin) throw new WorkloadError(`no workload "${ref}" (built-in: ${BUILTIN_WORKLOADS.map((w) => w.name).join(', ')}; or ${path.join(labDir, 'workloads', `${ref}.json`)})`);
  return { workload: builtin, prompt: builtin.prompt! };
}

function readPromptFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new WorkloadError(`promptFile ${file}: ${(err as Error).message}`);
  }
}
