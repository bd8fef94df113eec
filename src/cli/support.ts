import fs from 'node:fs';
import { UsageError } from './usage.js';
import type { Finding } from '../core/findings.js';
import { downloadedFromLmsLs, loadedFromLmsPs } from '../core/servers/lmstudio.js';
import type { Provider } from '../core/openclaw/model.js';
import type { ServerState } from '../core/servers/types.js';
import { dotted } from '../core/openclaw/document.js';
import { formatVersion, type OpenClawVersion } from '../core/openclaw/version.js';
import type { ValidatorFinding } from '../core/openclaw/issues.js';

export { UsageError };

/** Reads an `lms ps --json` / `lms ls --json` capture; a bad file is a usage error (exit 2). */
export function readLmsFixture(file: string, kind: 'ps' | 'ls') {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  try {
    return kind === 'ps' ? loadedFromLmsPs(json) : downloadedFromLmsLs(json);
  } catch {
    throw new UsageError(`${file} is not in \`lms ${kind} --json\` format (an array of models with modelKey, identifier or path)`);
  }
}

/** `--loaded`/`--downloaded` stand for the LM Studio server: providers named lmstudio or on port 1234. */
export function fixtureRuntimes(providers: readonly Provider[], loadedFile?: string, downloadedFile?: string): Map<string, ServerState> {
  const loaded = loadedFile ? (readLmsFixture(loadedFile, 'ps') as ServerState['loaded']) : undefined;
  const downloaded = downloadedFile ? (readLmsFixture(downloadedFile, 'ls') as ServerState['downloaded']) : undefined;
  const out = new Map<string, ServerState>();
  for (const p of providers) {
    let port = '';
    try {
      port = p.baseUrl ? new URL(p.baseUrl).port : '';
    } catch {
      port = '';
    }
    if (p.id !== 'lmstudio' && port !== '1234') continue;
    out.set(p.id, {
      baseUrl: p.baseUrl ?? 'http://localhost:1234/v1',
      status: 'ok',
      kind: 'lmstudio',
      loaded: loaded ?? [],
      knowsLoaded: loaded !== undefined,
      downloaded,
      via: [loadedFile, downloadedFile].filter(Boolean).join(', '),
    });
  }
  return out;
}

export interface CheckJson {
  config: string;
  openclawVersion: string | null;
  /** When no version was given or installed: the release the rules assumed. */
  assumedOpenclawVersion?: string;
  findings: {
    rule: string;
    /** `local-ai-lab` for our rules, `openclaw` for OpenClaw's validator (rule `openclaw`). */
    source: 'local-ai-lab' | 'openclaw';
    /** OpenClaw's own words about the same key, merged into ours. */
    related?: string[];
    severity: string;
    message: string;
    path: string;
    file?: string;
    range: Finding['range'];
    fixes: { title: string; preferred: boolean; declined?: string }[];
  }[];
  runtimes?: { provider: string; baseUrl: string; status: string; kind?: string; detail?: string }[];
  /** OpenClaw's own `config validate`: whether it ran, on which release, and its verdict. */
  validator: { ran: boolean; version: string | null; valid: boolean | null; note?: string };
}

/** What OpenClaw's own validator said, for `check`: whether it ran, and its issues beside ours. */
export interface ValidatorReport {
  readonly ran: boolean;
  readonly version?: string;
  readonly valid?: boolean;
  /** Why it did not run (no OpenClaw found, --no-validate, an error). */
  readonly note?: string;
  readonly issues: readonly ValidatorFinding[];
  /** OpenClaw's messages merged into our finding at the same key and range, by our finding's index. */
  readonly related: ReadonlyMap<number, readonly string[]>;
}

export function toCheckJson(
  config: string,
  version: OpenClawVersion,
  known: boolean,
  findings: readonly Finding[],
  runtimes: ReadonlyMap<string, ServerState>,
  validator?: ValidatorReport,
): CheckJson {
  return {
    config,
    openclawVersion: known ? formatVersion(version) : null,
    ...(known ? {} : { assumedOpenclawVersion: formatVersion(version) }),
    findings: [
      ...findings.map((f, i) => ({
        rule: f.rule,
        source: 'local-ai-lab' as const,
        severity: f.severity,
        message: f.message,
        path: dotted(f.path),
        ...(f.file !== config ? { file: f.file } : {}),
        range: f.range,
        fixes: f.fixes.map((x) => ({ title: x.title, preferred: x.preferred, ...(x.declined ? { declined: x.declined } : {}) })),
        ...(validator?.related.get(i) ? { related: [...validator.related.get(i)!] } : {}),
      })),
      ...(validator?.issues ?? []).map((v) => ({
        rule: 'openclaw',
        source: 'openclaw' as const,
        severity: v.severity,
        message: v.message,
        path: v.path,
        ...(v.file !== config ? { file: v.file } : {}),
        range: v.range,
        fixes: [],
      })),
    ],
    runtimes: [...runtimes].map(([provider, s]) => ({ provider, baseUrl: s.baseUrl, status: s.status, kind: s.kind, detail: s.detail })),
    validator: validator ? { ran: validator.ran, version: validator.version ?? null, valid: validator.valid ?? null, ...(validator.note ? { note: validator.note } : {}) } : { ran: false, version: null, valid: null },
  };
}
