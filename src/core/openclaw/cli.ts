import * as z from 'zod/mini';
import { parseVersion, type OpenClawVersion } from './version.js';
import type { Millis } from '../units.js';
import { loadExeca } from '../execa.js';


/** OpenClaw's own `config validate --json` issue. */
export interface ValidatorIssue {
  readonly path: string;
  readonly message: string;
  readonly allowedValues?: readonly unknown[];
}

export interface ValidationResult {
  readonly valid: boolean;
  readonly issues: readonly ValidatorIssue[];
  readonly warnings: readonly ValidatorIssue[];
}

const IssueSchema = z.looseObject({ path: z.string(), message: z.string(), allowedValues: z.optional(z.array(z.unknown())) });
const ValidateSchema = z.looseObject({
  valid: z.boolean(),
  issues: z.optional(z.array(IssueSchema)),
  warnings: z.optional(z.array(IssueSchema)),
  error: z.optional(z.looseObject({ message: z.string() })),
});

export class OpenClawUnavailable extends Error {}

export interface RunOptions {
  readonly timeoutMs: Millis;
  readonly signal?: AbortSignal;
  readonly env?: Record<string, string | undefined>;
}

/** `openclaw --version` → version, or undefined when it is not installed. */
export async function openclawVersion(executable: string, opts: RunOptions): Promise<OpenClawVersion | undefined> {
  try {
    const r = await (await loadExeca())(executable, ['--version'], {
      timeout: opts.timeoutMs,
      cancelSignal: opts.signal,
      reject: false,
      stdin: 'ignore',
      env: opts.env,
      forceKillAfterDelay: 2000,
    });
    if (r.exitCode !== 0) return undefined;
    return parseVersion(String(r.stdout));
  } catch {
    return undefined;
  }
}

/**
 * Runs OpenClaw's own validator on `configPath` (it is the authority on schema validity). It never
 * starts the Gateway or writes the file. Throws OpenClawUnavailable when it cannot run or answers
 * something other than its documented JSON.
 */
export async function validateConfig(executable: string, configPath: string, opts: RunOptions): Promise<ValidationResult> {
  let r;
  try {
    r = await (await loadExeca())(executable, ['config', 'validate', '--json'], {
      timeout: opts.timeoutMs,
      cancelSignal: opts.signal,
      reject: false,
      stdin: 'ignore',
      env: { ...opts.env, OPENCLAW_CONFIG_PATH: configPath, NO_COLOR: '1' },
      forceKillAfterDelay: 2000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    throw new OpenClawUnavailable(`could not run ${executable}: ${(err as Error).message}`);
  }
  if (r.isCanceled) throw new OpenClawUnavailable('cancelled');
  if (r.timedOut) throw new OpenClawUnavailable(`openclaw config validate did not finish within ${Math.round(opts.timeoutMs / 1000)} s`);
  let json: unknown;
  try {
    json = JSON.parse(String(r.stdout));
  } catch {
    const tail = String(r.stderr).trim().split('\n').slice(-1)[0] ?? '';
    const how = r.signal ? `killed by ${r.signal}` : r.exitCode !== undefined ? `exit ${r.exitCode}` : (r.shortMessage ?? 'did not run');
    throw new OpenClawUnavailable(`openclaw config validate printed no JSON (${how})${tail ? `: ${tail}` : ''}`);
  }
  const parsed = ValidateSchema.safeParse(json);
  if (!parsed.success) throw new OpenClawUnavailable('openclaw config validate answered in an unexpected shape');
  const d = parsed.data;
  if (!d.valid && !d.issues && d.error) return { valid: false, issues: [{ path: '<root>', message: d.error.message }], warnings: [] };
  return { valid: d.valid, issues: d.issues ?? [], warnings: d.warnings ?? [] };
}
