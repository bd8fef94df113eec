/** The workload file's shape: what a lab session runs, its validation, and its JSON schema. */
import * as z from 'zod/mini';

/** Timeouts beyond two hours are refused (a huge value would overflow Node's 32-bit timer into ~1 ms). */
export const MAX_TIMEOUT_SECONDS = 7200;
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
export const MAX_OUTPUT_BYTES_LIMIT = 256 * 1024 * 1024;
/** An OpenClaw agent id, as a workload's `agent` and the probes' `--agent` take it (one pattern for every face). */
export const AGENT_ID = /^[a-z0-9_][a-z0-9_-]{0,63}$/i;

/** A workload: what a lab session runs, n times. `.local-ai-lab/workloads/<name>.json`. */
export const WorkloadSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes')),
  description: z.optional(z.string()),
  dispatcher: z.enum(['openclaw', 'openai']),
  prompt: z.optional(z.string().check(z.minLength(1))),
  /** Relative to the workload file. */
  promptFile: z.optional(z.string()),
  /** openclaw: the agent id (default "main"). */
  agent: z.optional(z.string().check(z.regex(AGENT_ID, 'an OpenClaw agent id'))),
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
  /**
   * Planted facts: lines a tool prints during the dispatch that the model must read. With a proxy in the way, a fact
   * OpenClaw sent and the server never received is named in the dispatch's layer (factsLost).
   */
  facts: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(4096))).check(z.maxLength(100))),
});
export type Workload = z.output<typeof WorkloadSchema>;

export class WorkloadError extends Error {}

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


/** The workload files' JSON schema (contributed for completion), generated from the validator itself. */
export function workloadJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(WorkloadSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return { ...schema, title: 'Local AI Lab workload', description: 'What a lab session runs, n times: .local-ai-lab/workloads/<name>.json' };
}
