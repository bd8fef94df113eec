/**
 * OpenClaw's validator verdicts, kept by what they depend on: the config's bytes, every file its `$include`s
 * reach (or their absence), the OpenClaw release, and the environment OpenClaw reads while judging. An unchanged
 * file is judged once (a run costs seconds and ~320 MB); any change to one of those is another key, so a stale
 * verdict is never read back. The editor and the CLI share the folder (`cacheDir()/validator`), which only the
 * process environment names.
 */
import path from 'node:path';
import * as z from 'zod/mini';
import { keep, keptDir, readKept } from '../kept.js';
import { sha256 } from '../fsutil.js';
import { includeReader, includeRootsFrom, readBoundedSync } from '../read.js';
import { decodeText, parseDocument, type ConfigDocument } from './document.js';
import { resolveIncludes } from './includes.js';
import { validateConfig, type RunOptions, type ValidationResult } from './cli.js';
import { formatVersion, type OpenClawVersion } from './version.js';

/** The environment that changes what `openclaw config validate` says about the same bytes. */
const ENV_READ = ['OPENCLAW_INCLUDE_ROOTS', 'OPENCLAW_STATE_DIR', 'OPENCLAW_HOME', 'OPENCLAW_PROFILE', 'HOME'];

export interface VerdictSubject {
  /** The config as read (its file is what the validator is pointed at). */
  readonly doc: ConfigDocument;
  readonly bytes: Uint8Array;
  /** The installed release that judges it. */
  readonly version: OpenClawVersion;
  /** The validator's environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The key of a verdict: a hash over the release, the config's path and bytes, each included file's bytes (as
 * OpenClaw's own `$include` rules reach them; a missing or refused one by its problem), the environment OpenClaw
 * reads, and each `${VAR}` the texts name (hashed: a secret's value never reaches the disk).
 */
export function verdictKey(s: VerdictSubject): string {
  const env = s.env ?? process.env;
  const roots = includeRootsFrom(env);
  const read = includeReader(s.doc.file, roots);
  const files: string[] = [];
  const texts = [s.doc.text];
  resolveIncludes(
    s.doc,
    (file) => {
      const got = read(file);
      files.push(`${file}\0${got === undefined ? 'absent' : typeof got === 'string' ? `unreadable:${got}` : sha256(got)}`);
      if (got !== undefined && typeof got !== 'string') texts.push(decodeText(got).text);
      return got;
    },
    roots,
  );
  const vars = [...new Set(texts.flatMap((t) => [...t.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!)))].sort();
  const described = [
    'v1',
    formatVersion(s.version),
    path.resolve(s.doc.file),
    sha256(s.bytes),
    ...files,
    ...ENV_READ.map((k) => `${k}=${env[k] ?? ''}`),
    ...vars.map((k) => `\${${k}}=${env[k] === undefined ? 'unset' : sha256(env[k])}`),
  ];
  return sha256(described.join('\n'));
}

const IssueSchema = z.object({ path: z.string(), message: z.string(), allowedValues: z.optional(z.array(z.unknown())) });
const StoredSchema = z.object({ valid: z.boolean(), issues: z.array(IssueSchema), warnings: z.array(IssueSchema) });

/** Where the verdicts are kept. */
export const verdictDir = (env: NodeJS.ProcessEnv = process.env) => keptDir('validator', env);

/** The verdict kept under `key`, or undefined (none, or a file that is not one of ours). */
export function cachedVerdict(key: string, dir = verdictDir()): ValidationResult | undefined {
  return readKept(dir, key, StoredSchema);
}

export function storeVerdict(key: string, result: ValidationResult, dir = verdictDir()): void {
  keep(dir, key, { valid: result.valid, issues: result.issues, warnings: result.warnings });
}

/** The same subject as it is on disk now, or undefined when the config is gone or unreadable. */
function onDiskNow(s: VerdictSubject): VerdictSubject | undefined {
  try {
    const bytes = readBoundedSync(s.doc.file);
    if (!bytes) return undefined;
    const { text, encoding } = decodeText(bytes);
    return { ...s, bytes, doc: parseDocument(s.doc.file, text, encoding) };
  } catch {
    return undefined;
  }
}

export interface Verdict {
  readonly result: ValidationResult;
  /** Read back from the cache: the validator did not run. */
  readonly cached: boolean;
}

/**
 * `openclaw config validate` on the subject's file, or its kept verdict when these bytes, includes, release and
 * environment were judged before. The validator reads the file itself, so a fresh verdict is kept only if the
 * file and its includes still hold what the key was made from when it finishes.
 */
export async function validateCached(executable: string, s: VerdictSubject, opts: RunOptions & { readonly dir?: string }): Promise<Verdict> {
  const env = { ...process.env, ...opts.env };
  const subject = { ...s, env };
  // The executable too: two programs that say the same version (a stand-in, another install) may judge apart.
  const keyOf = (x: VerdictSubject) => sha256(`${executable}\n${verdictKey(x)}`);
  const key = keyOf(subject);
  const kept = cachedVerdict(key, opts.dir);
  if (kept) return { result: kept, cached: true };
  const result = await validateConfig(executable, s.doc.file, opts);
  const now = onDiskNow(subject);
  if (now && keyOf(now) === key) storeVerdict(key, result, opts.dir);
  return { result, cached: false };
}
