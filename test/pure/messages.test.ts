import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { firstSentence, splitMessage, type Finding } from '../../src/core/findings.js';
import { fmt } from '../../src/core/format.js';
import { parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { RULES, runRules } from '../../src/core/rules/registry.js';
import type { ServerState } from '../../src/core/servers/types.js';
import type { LabTimings } from '../../src/core/lab/timings.js';
import { config, lmstudio, observe } from '../support/observe.js';

/**
 * Problems-panel messages: the first sentence says what is wrong and what follows from it, in at most 100
 * characters (a Problems row shows about that much); the rest explains. Checked over every finding the rules
 * give on the fixture configs, under several OpenClaw releases and server states, plus scenarios for the rules
 * the fixtures cannot trigger.
 */
const FIXTURES = ['test/fixtures/configs', 'test/fixtures/corpus', 'test/fixtures/corpus-real'].flatMap((dir) =>
  fs.readdirSync(dir).filter((f) => /\.json5?$/.test(f)).map((f) => path.join(dir, f)),
);
const VERSIONS = ['2026.4.26', '2026.5.4', '2026.7.35', '2026.9.6'];

type Provider = { baseUrl?: unknown; models?: { id?: unknown }[] };

/** Server states for the config's providers: all loaded small with no tools (many rules fire), all down, none loaded. */
function serverVariants(text: string): Record<string, ServerState>[] {
  let providers: Record<string, Provider> = {};
  try {
    const v = toValue(parseDocument('/tmp/openclaw.json', text).root) as { models?: { providers?: Record<string, Provider> } };
    providers = v?.models?.providers ?? {};
  } catch {
    providers = {};
  }
  const kindOf = (url: string): ServerState['kind'] => (url.includes('11434') ? 'ollama' : url.includes(':8000') ? 'vllm' : url.includes(':8080') ? 'llamacpp' : 'lmstudio');
  const each = (make: (url: string, ids: string[]) => ServerState) =>
    Object.fromEntries(
      Object.entries(providers)
        .filter(([, p]) => typeof p?.baseUrl === 'string')
        .map(([id, p]) => [id, make(p.baseUrl as string, (Array.isArray(p.models) ? p.models : []).flatMap((m) => (typeof m?.id === 'string' ? [m.id] : [])))]),
    );
  return [
    {},
    each((url, ids) => ({
      baseUrl: url,
      status: 'ok',
      kind: kindOf(url),
      via: 'test',
      loaded: ids.map((id) => ({ identifier: id, modelKey: id, loadedContextLength: 8192, maxContextLength: 16384, sizeBytes: 60 * 1024 ** 3, capabilities: { tools: false, thinking: true } })),
      downloaded: ids.map((id) => ({ modelKey: id, type: 'llm' as const, maxContextLength: 16384, paramsString: '30B' })),
    })),
    each((url) => ({ baseUrl: url, status: 'unreachable', detail: 'connection refused', via: 'test', loaded: [] })),
    each((url, ids) => ({ baseUrl: url, status: 'ok', kind: kindOf(url), via: 'test', loaded: [], downloaded: ids.map((id) => ({ modelKey: id, type: 'llm' as const })) })),
  ];
}

/** Configs for the rules the fixtures do not reach (shapes taken from the rules' own tests). */
function scenarios(): { text: string; runtimes: Record<string, ServerState>; version?: string; memGiB?: number; measured?: LabTimings }[] {
  const primaryLoaded = (ctx: number, extra: Parameters<typeof lmstudio>[0] = []) => ({ lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx, max: 262144, size: 18e9 }, ...extra]) });
  return [
    { text: config({ window: 131072 }), runtimes: primaryLoaded(32768) },
    { text: config({ window: 16384 }), runtimes: primaryLoaded(32768) },
    { text: config({ window: 131072, tokens: 65536 }), runtimes: primaryLoaded(32768) },
    { text: config({ window: 8192 }), runtimes: primaryLoaded(8192) },
    { text: config({ window: 524288 }), runtimes: primaryLoaded(32768) },
    { text: config({ window: 32768, compaction: '{ "mode": "Default" }' }), runtimes: primaryLoaded(32768) },
    { text: config({ window: 32768, compaction: '{ "mode": "safeguard", "reserveTokensFloor": 30000 }' }), runtimes: primaryLoaded(32768), version: '2026.5.4' },
    { text: config({ window: 32768, compaction: '{ "model": "lmstudio/qwen3-4b-instruct-2507" }', rows: '{ "id": "qwen3-4b-instruct-2507", "name": "C", "contextWindow": 4096 }' }), runtimes: primaryLoaded(32768, [{ id: 'qwen3-4b-instruct-2507', ctx: 4096 }]) },
    { text: config({ window: 32768, compaction: '{ "model": "lmstudio/nope" }' }), runtimes: primaryLoaded(32768) },
    { text: config({ window: 32768, primary: 'lmstudio/missing-model' }), runtimes: primaryLoaded(32768) },
    { text: config({ window: 32768, extraDefaults: '"systemPromptOverride": "You are terse."' }), runtimes: primaryLoaded(32768), version: '2026.5.4' },
    { text: config({ window: 262144 }), runtimes: primaryLoaded(262144, [{ id: 'big', ctx: 262144, size: 120e9 }]), memGiB: 16 },
    { text: '{ "models": { "providers": { "lmstudio": { ', runtimes: {} },
    // headroom-proxy-risk: the provider's baseUrl is a Headroom proxy with its defaults (read from /stats and its argv).
    {
      text: config({ window: 32768 }),
      runtimes: {
        lmstudio: {
          baseUrl: 'http://127.0.0.1:1234/v1',
          status: 'ok',
          kind: 'headroom',
          knowsLoaded: false,
          loaded: [],
          via: 'test',
          proxy: { product: 'headroom', pid: 4242, cache: { value: true, source: 'stats' }, mode: { value: 'token', source: 'argv' }, injectsRetrieveTool: { value: true, source: 'argv' }, protectedTools: { value: [], source: 'argv' } },
        },
      },
    },
    // timeout-near-limit: a lab session measured slow compactions and slow first tokens on this config.
    {
      text: config({ window: 32768 }),
      runtimes: primaryLoaded(32768),
      measured: { sessions: [{ id: '20261201T120000Z-quick-check-abcd', startedAt: '2026-12-01T12:00:00Z', compactor: null, compactionsMs: [170_000, 175_000], requests: [{ upstream: 'http://127.0.0.1:1234', model: 'qwen/qwen3-coder-30b', firstTokenMs: 290_000, totalMs: 295_000 }] }] },
    },
  ];
}

function allFindings(): Finding[] {
  const out: Finding[] = [];
  for (const file of FIXTURES) {
    const text = fs.readFileSync(file, 'utf8');
    for (const runtimes of serverVariants(text)) {
      for (const version of VERSIONS) {
        for (const memGiB of [8, 128]) {
          try {
            out.push(...runRules(observe(text, { version, runtimes, memGiB })));
          } catch {
            /* a fixture the pipeline refuses (UTF-16 bytes read as text) gives no findings */
          }
        }
      }
    }
  }
  for (const s of scenarios()) out.push(...runRules(observe(s.text, s)));
  return out;
}

describe('Problems-panel messages', () => {
  const findings = allFindings();

  it('the fixtures and scenarios reach every rule', () => {
    const fired = new Set(findings.map((f) => f.rule));
    const missing = RULES.map((r) => r.id).filter((id) => !fired.has(id));
    assert.deepEqual(missing, [], `rules no fixture or scenario triggers: ${missing.join(', ')}`);
  });

  it('every finding has a severity its rule declares (the one `local-ai-lab rules` and the README table show)', () => {
    const declared = new Map(RULES.map((r) => [r.id, r.severity.split('/')]));
    for (const f of findings) assert.ok(declared.get(f.rule)!.includes(f.severity), `${f.rule} gave ${f.severity}, declares ${declared.get(f.rule)!.join('/')}`);
  });

  it('every message opens with one sentence of at most 100 characters, and none has a doubled period', () => {
    const bad = new Map<string, string>();
    for (const f of findings) {
      const first = firstSentence(f.message);
      if (first.length > 100 || /\.\./.test(f.message.replace(/…/g, '')) || !/[.!?]$/.test(first)) bad.set(f.message, `${f.rule} (${first.length}): ${first}`);
    }
    assert.deepEqual([...bad.values()], []);
  });

  it('firstSentence stops at the first sentence end, not inside a number, a file name or an abbreviation', () => {
    assert.equal(firstSentence('contextWindow 32.768 is above loaded: it overflows. Set it lower.'), 'contextWindow 32.768 is above loaded: it overflows.');
    assert.equal(firstSentence('openclaw.json has a retired key, e.g. llm: OpenClaw 2026.9.6 rejects it. More.'), 'openclaw.json has a retired key, e.g. llm: OpenClaw 2026.9.6 rejects it.');
    assert.equal(firstSentence('One sentence only'), 'One sentence only');
  });
});

describe('the Problems panel row and its details', () => {
  it('splits a message after its first sentence, keeping a staleness mark on the row', () => {
    assert.deepEqual(splitMessage('No compaction.model: the primary summarizes its own history. Set it to a 4B model.'), { head: 'No compaction.model: the primary summarizes its own history.', rest: 'Set it to a 4B model.' });
    assert.deepEqual(splitMessage('One sentence only.'), { head: 'One sentence only.', rest: '' });
    assert.deepEqual(splitMessage('Too large, e.g. 131,072 here. Lower it. (as of 12:03 UTC: the server is not answering now)'), { head: 'Too large, e.g. 131,072 here. (as of 12:03 UTC: the server is not answering now)', rest: 'Lower it.' });
  });
});

describe('numbers in messages', () => {
  it('fmt groups an integer exactly as en-US Intl does, and leaves fractions to Intl', () => {
    const en = new Intl.NumberFormat('en-US');
    const ints = [0, 7, 12, 999, 1000, 4096, 32768, 131072, 262144, 1000000, 1234567, -1, -999, -1000, -131072, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    let seed = 26;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 200; i++) ints.push(Math.floor((next() - 0.5) * 10 ** (1 + (i % 15))));
    for (const n of ints) assert.equal(fmt(n), en.format(n), String(n));
    for (const n of [-0, 0.5, 1234.5678, -98765.4321, 2 ** 53, 1e21, Number.NaN, Infinity]) assert.equal(fmt(n), en.format(n), String(n));
    assert.equal(fmt(undefined), 'unknown');
    assert.equal(fmt(undefined, '—'), '—');
  });
});
