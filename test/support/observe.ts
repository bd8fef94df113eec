import { parseDocument } from '../../src/core/openclaw/document.js';
import { v } from '../../src/core/openclaw/version.js';
import type { Observation } from '../../src/core/observation.js';
import { check } from '../../src/core/check.js';
import type { ServerState } from '../../src/core/servers/types.js';
import type { LabTimings } from '../../src/core/lab/timings.js';
import type { Finding, RuleId } from '../../src/core/findings.js';
import { applyEdits } from '../../src/core/text.js';

/** An Observation from config text and runtime states, as the rules see it. */
export function observe(text: string, opts: { version?: string; runtimes?: Record<string, ServerState>; memGiB?: number; file?: string; measured?: LabTimings } = {}): Observation {
  const doc = parseDocument(opts.file ?? '/tmp/openclaw.json', text);
  return check({
    doc,
    version: v(opts.version ?? '2026.9.6'),
    servers: new Map(Object.entries(opts.runtimes ?? {})),
    machine: { totalMemoryBytes: (opts.memGiB ?? 64) * 1024 ** 3, cpus: 8, platform: 'test' },
    ...(opts.measured ? { measured: opts.measured } : {}),
  }).observation;
}

export function lmstudio(loaded: { id: string; ctx?: number; max?: number; size?: number }[], downloaded?: { key: string; params?: string; max?: number; name?: string }[]): ServerState {
  return {
    baseUrl: 'http://127.0.0.1:1234/v1',
    status: 'ok',
    kind: 'lmstudio',
    via: 'test',
    loaded: loaded.map((m) => ({ identifier: m.id, modelKey: m.id, loadedContextLength: m.ctx, maxContextLength: m.max, sizeBytes: m.size })),
    downloaded: downloaded?.map((d) => ({ modelKey: d.key, type: 'llm' as const, paramsString: d.params, maxContextLength: d.max, displayName: d.name })),
  };
}

export function config(o: { window?: number; tokens?: number; compaction?: string; extraDefaults?: string; rows?: string; primary?: string }): string {
  const row = `{ "id": "qwen/qwen3-coder-30b", "name": "Q", ${o.window !== undefined ? `"contextWindow": ${o.window}, ` : ''}${o.tokens !== undefined ? `"contextTokens": ${o.tokens}, ` : ''}"maxTokens": 8192 }`;
  return `{
  "models": { "providers": { "lmstudio": { "baseUrl": "http://127.0.0.1:1234/v1", "api": "openai-completions",
    "models": [ ${row}${o.rows ? ', ' + o.rows : ''} ] } } },
  "agents": { "defaults": { "model": { "primary": "${o.primary ?? 'lmstudio/qwen/qwen3-coder-30b'}" }${o.compaction !== undefined ? `, "compaction": ${o.compaction}` : ''}${o.extraDefaults ? ', ' + o.extraDefaults : ''} } }
}`;
}

/** The findings of one rule. */
export const of = (fs: readonly Finding[], rule: RuleId) => fs.filter((f) => f.rule === rule);
export const dotted = (f: Finding) => f.path.join('.');

/** The text after a finding's preferred fix (which must exist). */
export function applyPreferred(text: string, f: Finding): string {
  const fix = f.fixes.find((x) => x.preferred && x.plan);
  if (!fix) throw new Error(`no preferred fix for ${f.rule}`);
  return applyEdits(text, fix.plan!.edits.flatMap((e) => e.edits));
}
