import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { check } from '../../src/core/check.js';
import { readLabTimings, type LabTimings, type MeasuredSession } from '../../src/core/lab/timings.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { compactionLimit, defaultCompactionTimeout, firstTokenLimit, headroomSeconds, isLocalBaseUrl, isSelfHostedProvider, nearLimit } from '../../src/core/openclaw/timeouts.js';
import { v } from '../../src/core/openclaw/version.js';
import { p90 } from '../../src/core/rules/timeouts.js';
import { applyPreferred, config, of } from '../support/observe.js';
import { recordedTimings } from '../support/labRecords.js';

const FILE = '/tmp/openclaw.json';
const MACHINE = { totalMemoryBytes: 64 * 1024 ** 3, cpus: 8, platform: 'test' };

function findings(text: string, measured: LabTimings | undefined, version = '2026.9.6') {
  return of(check({ doc: parseDocument(FILE, text), version: v(version), servers: new Map(), machine: MACHINE, ...(measured ? { measured } : {}) }).findings, 'timeout-near-limit');
}

const session = (o: Partial<MeasuredSession>): MeasuredSession => ({ id: '20261201T120000Z-long-agentic-abcd', startedAt: '2026-12-01T12:00:00Z', compactor: null, compactionsMs: [], requests: [], ...o });
const req = (firstTokenMs: number, totalMs = firstTokenMs + 1000) => ({ upstream: 'http://127.0.0.1:1234', model: 'qwen/qwen3-coder-30b', firstTokenMs, totalMs });

describe('timeout-near-limit: the limits and the predicate', () => {
  it('within 80 % of the limit is near, below is not', () => {
    assert.equal(nearLimit(144, 180), true); // exactly 80 %
    assert.equal(nearLimit(143.9, 180), false);
    assert.equal(nearLimit(200, 180), true);
    assert.equal(nearLimit(1, 0), false);
    // The fix: twice the p90, rounded up to 10 s, and always above the limit it replaces.
    assert.equal(headroomSeconds(150, 180), 300);
    assert.equal(headroomSeconds(151, 180), 310);
    assert.equal(headroomSeconds(50, 180), 190);
  });

  it("the compaction timeout: the key when set (floored), else the release's default (900 s before June 2026, 180 s after)", () => {
    assert.deepEqual(compactionLimit(v('2026.9.6'), undefined), { seconds: 180, key: 'agents.defaults.compaction.timeoutSeconds', source: 'default', where: "EMBEDDED_COMPACTION_TIMEOUT_MS (OpenClaw's compaction-safety-timeout)" });
    assert.equal(compactionLimit(v('2026.9.6'), 600.7).seconds, 600);
    assert.equal(compactionLimit(v('2026.9.6'), 600).source, 'config');
    assert.equal(defaultCompactionTimeout(v('2026.5.28')), 900);
    assert.equal(defaultCompactionTimeout(v('2026.6.8')), 180);
  });

  it("the first-token limit: the provider's timeoutSeconds, else 300 s for a local server (2026.9) or 120 s; the run's timeout bounds it", () => {
    const local = { id: 'mocklab', baseUrl: 'http://127.0.0.1:1234/v1' };
    assert.equal(firstTokenLimit(v('2026.9.6'), local, undefined).seconds, 300);
    assert.equal(firstTokenLimit(v('2026.9.6'), { id: 'lmstudio', baseUrl: 'http://gpu-box:1234/v1' }, undefined).seconds, 300); // self-hosted id
    assert.equal(firstTokenLimit(v('2026.9.6'), { id: 'remote', baseUrl: 'https://api.example.com/v1' }, undefined).seconds, 120);
    assert.equal(firstTokenLimit(v('2026.5.28'), local, undefined).seconds, 120);
    assert.deepEqual(firstTokenLimit(v('2026.9.6'), { ...local, timeoutSeconds: 900 }, undefined), { seconds: 900, key: 'models.providers.mocklab.timeoutSeconds', source: 'config', where: 'models.providers.mocklab.timeoutSeconds' });
    assert.equal(firstTokenLimit(v('2026.9.6'), local, 200).key, 'agents.defaults.timeoutSeconds');
    assert.equal(firstTokenLimit(v('2026.9.6'), local, 200).seconds, 200);
    assert.equal(isLocalBaseUrl('http://192.168.1.20:11434'), true);
    assert.equal(isLocalBaseUrl('http://10.0.0.2:8080/v1'), true);
    assert.equal(isLocalBaseUrl('http://172.32.0.1:8080/v1'), false);
    assert.equal(isLocalBaseUrl('http://studio.local:1234/v1'), true);
    assert.equal(isSelfHostedProvider('ollama-2'), true);
    assert.equal(isSelfHostedProvider('ollama-cloud'), false);
  });

  it("p90 is the lab's (simple-statistics' quantile)", () => {
    assert.equal(p90([]), undefined);
    assert.equal(p90([100]), 100);
    assert.equal(p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 9.1);
  });
});

describe('timeout-near-limit: findings from measured sessions', () => {
  const TEXT = config({ window: 32768 });

  it('no measured session, or compactions below 80 % of 180 s: nothing', () => {
    assert.deepEqual(findings(TEXT, undefined), []);
    assert.deepEqual(findings(TEXT, { sessions: [] }), []);
    assert.deepEqual(findings(TEXT, { sessions: [session({ compactionsMs: [100_000, 120_000, 140_000] })] }), []);
  });

  it('compactions at p90 ≥ 80 % of the default: a warning naming the p90, the limit and the key, with a fix that raises it', () => {
    const [f, ...rest] = findings(TEXT, { sessions: [session({ compactionsMs: [120_000, 150_000, 160_000] })] });
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /^Compactions here take 158 s at p90, 88 % of the 180 s compaction timeout: some will be cut off\./);
    assert.match(f!.message, /agents\.defaults\.compaction\.timeoutSeconds raises it/);
    assert.match(f!.message, /smaller compactor/);
    assert.match(f!.message, /20261201T120000Z-long-agentic-abcd/);
    assert.equal(f!.fixes[0]!.title, 'Set compaction.timeoutSeconds to 320 (twice the measured p90 of 158 s)');
    const after = applyPreferred(TEXT, f!);
    assert.match(after, /"compaction": \{ "timeoutSeconds": 320 \}/);
    // With the fix applied the same measurements are far from the new limit.
    assert.deepEqual(findings(after, { sessions: [session({ compactionsMs: [120_000, 150_000, 160_000] })] }), []);
  });

  it('the limit follows the config and the release: 600 s configured, or 900 s on 2026.5.28, leaves 160 s alone', () => {
    const measured = { sessions: [session({ compactionsMs: [160_000] })] };
    assert.deepEqual(findings(config({ window: 32768, compaction: '{ "timeoutSeconds": 600 }' }), measured), []);
    assert.deepEqual(findings(TEXT, measured, '2026.5.28'), []);
    const low = findings(config({ window: 32768, compaction: '{ "timeoutSeconds": 60 }' }), { sessions: [session({ compactionsMs: [50_000] })] });
    assert.equal(low.length, 1);
    assert.deepEqual(low[0]!.path, ['agents', 'defaults', 'compaction', 'timeoutSeconds']);
    assert.match(low[0]!.message, /after agents\.defaults\.compaction\.timeoutSeconds \(60 s\)/);
  });

  it('compactions count only from sessions run with the compactor now configured', () => {
    const text = config({ window: 32768, compaction: '{ "model": "lmstudio/small" }', rows: '{ "id": "small", "name": "S", "contextWindow": 16384 }' });
    const slowOnPrimary = { sessions: [session({ compactor: null, compactionsMs: [170_000] })] };
    assert.deepEqual(findings(text, slowOnPrimary), []);
    assert.equal(findings(text, { sessions: [session({ compactor: 'lmstudio/small', compactionsMs: [170_000] })] }).length, 1);
  });

  it("first tokens from a local server at p90 ≥ 80 % of 300 s: a warning on the provider, fixed by its timeoutSeconds", () => {
    const measured = { sessions: [session({ requests: [req(200_000), req(250_000), req(260_000)] })] };
    const [f, ...rest] = findings(TEXT, measured);
    assert.equal(rest.length, 0);
    assert.match(f!.message, /^First tokens from lmstudio take 258 s at p90, 86 % of OpenClaw's 300 s limit: some will be aborted\./);
    assert.match(f!.message, /LOCAL_LLM_FIRST_EVENT_TIMEOUT_MS/);
    assert.deepEqual(f!.path, ['models', 'providers', 'lmstudio']);
    const after = applyPreferred(TEXT, f!);
    assert.match(after, /"timeoutSeconds": 520/);
    assert.deepEqual(findings(after, measured), []);
    // Below 80 %: none; on 2026.5.28 the limit is 120 s, so 100 s is near it.
    assert.deepEqual(findings(TEXT, { sessions: [session({ requests: [req(100_000), req(110_000)] })] }), []);
    assert.equal(findings(TEXT, { sessions: [session({ requests: [req(100_000), req(110_000)] })] }, '2026.5.28').length, 1);
    // A request to a server no provider names is not counted.
    assert.deepEqual(findings(TEXT, { sessions: [session({ requests: [{ ...req(290_000), upstream: 'http://127.0.0.1:9999' }] })] }), []);
  });
});

describe('timeout-near-limit: from a recorded lab session on disk', () => {
  it('compactions that took longer than 80 % of the limit: a finding; the same session shorter: none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-timeouts-cfg-'));
    const file = path.join(dir, 'openclaw.json');
    const text = config({ window: 32768 });
    fs.writeFileSync(file, text);
    const run = (lab: string) => of(check({ doc: parseDocument(file, text), version: v('2026.9.6'), servers: new Map(), machine: MACHINE, measured: readLabTimings(lab, file) }).findings, 'timeout-near-limit');

    const slow = recordedTimings(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-timeouts-')), file, [150, 155, 165], '20261201T120000Z-long-agentic-0001');
    const t = readLabTimings(slow, file);
    assert.deepEqual(t.sessions.map((x) => [x.id, x.compactionsMs, x.requests.map((r) => r.firstTokenMs)]), [['20261201T120000Z-long-agentic-0001', [150_000, 155_000, 165_000], [10]]]);
    const found = run(slow);
    assert.equal(found.length, 1);
    assert.match(found[0]!.message, /^Compactions here take 163 s at p90, 91 % of the 180 s compaction timeout/);
    assert.match(found[0]!.message, /3 compactions summarized by lmstudio\/qwen\/qwen3-coder-30b in lab session 20261201T120000Z-long-agentic-0001/);

    const fast = recordedTimings(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-timeouts-')), file, [40, 60, 70], '20261201T120000Z-long-agentic-0002');
    assert.deepEqual(run(fast), []);

    // Sessions of another config are not read as this one's.
    assert.deepEqual(readLabTimings(slow, path.join(dir, 'other.json')).sessions, []);
    // A missing lab folder is no measurement.
    assert.deepEqual(readLabTimings(path.join(dir, 'none'), file).sessions, []);
    for (const d of [dir, slow, fast]) fs.rmSync(d, { recursive: true, force: true });
  });
});
