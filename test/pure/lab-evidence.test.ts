import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { mergeTrajectory, parseAgentResult } from '../../src/core/lab/dispatch/openclaw.js';
import { compactionsFromLog, summarizeTrajectory } from '../../src/core/lab/dispatch/trajectory.js';
import { compactionCount, finalMessageOf, strategyOf } from '../../src/core/lab/dispatch/evidence.js';
import { points, tableRow } from '../../src/core/lab/view/panel.js';
import { jitter, panelView } from '../../src/core/lab/view/panelView.js';
import { comparisonLines, distinctLabels, evidenceLines, reportLines, sessionLabel } from '../../src/core/lab/view/report.js';
import { compareSessions, summarizeSession } from '../../src/core/lab/summary.js';
import { DispatchRecordSchema, type DispatchRecord, type Session } from '../../src/core/lab/records/store.js';
import { dispatchRecord, sessionRecord } from '../support/labRecords.js';

const session = (id: string, profile: string | null, startedAt?: string): Session => sessionRecord(id, profile, startedAt);
const compaction = (model: string, seconds: number) => ({ startedAt: '2026-11-21T10:00:00.000Z', durationMs: seconds * 1000, tokensBefore: 41000, tokensAfter: 3200, model, trigger: 'threshold' });
const rec = (index: number, seconds: number, extra: Partial<DispatchRecord> = {}): DispatchRecord => dispatchRecord(index, seconds, { turns: 1, strategy: 'all-at-once', compactions: [], ...extra });
const slow = (index: number, seconds: number, n: number, model = 'lmstudio/qwen/qwen3-coder-30b', each = 30): DispatchRecord =>
  rec(index, seconds, { turns: 9, strategy: 'step-by-step', finalMessage: 'present', toolCalls: 8, tools: { read: 6, edit: 2 }, compactions: Array.from({ length: n }, () => compaction(model, each)) });
// The operators' table, with what each dispatch did: the slow two went step by step and compacted.
const table = [rec(0, 198), slow(1, 606, 2), rec(2, 197), rec(3, 276), rec(4, 218), slow(5, 939, 3, 'lmstudio/qwen/qwen3-coder-30b', 34)];

describe('what each dispatch did', () => {
  it('strategy: one or two model requests is all-at-once, three or more step-by-step; unknown stays unknown', () => {
    assert.deepEqual([1, 2, 3, 12].map(strategyOf), ['all-at-once', 'all-at-once', 'step-by-step', 'step-by-step']);
    assert.equal(strategyOf(undefined), undefined);
    assert.equal(strategyOf(0), undefined);
  });

  it('final message: present after a normal end, cut when stopped, missing without text or when asking for tools', () => {
    assert.equal(finalMessageOf('Done. DONE', 'stop'), 'present');
    assert.equal(finalMessageOf('Half a sent', 'length'), 'cut');
    assert.equal(finalMessageOf('partial', undefined, 'incomplete'), 'cut');
    assert.equal(finalMessageOf('', 'stop'), 'missing');
    assert.equal(finalMessageOf('Let me read it.', 'tool_calls'), 'missing');
    assert.equal(finalMessageOf('Let me read it.', 'toolUse'), 'missing');
  });

  it('reads turns, tool calls and compactions from openclaw agent --json meta (2026.9.6 field names)', () => {
    const stdout = JSON.stringify({
      payloads: [{ text: 'Edited both files. DONE' }],
      meta: {
        durationMs: 52000,
        stopReason: 'stop',
        finalAssistantVisibleText: 'Edited both files. DONE',
        toolSummary: { calls: 7, tools: ['read', 'edit'], failures: 0 },
        agentMeta: { provider: 'lmstudio', model: 'qwen/qwen3-coder-30b', assistantTurns: 8, compactionCount: 2, compactionTokensAfter: 3100, usage: { input: 60000, output: 900 } },
      },
    });
    const r = parseAgentResult(stdout, 0);
    assert.deepEqual([r.turns, r.toolCalls, r.tools, r.finalMessage, compactionCount(r)], [8, 7, { read: null, edit: null }, 'present', 2]);
    // In-run compactions summarize with the run's model (2026.9.6; see the compaction test).
    assert.deepEqual(r.compactions!.map((c) => [c.model, c.tokensAfter]), [['lmstudio/qwen/qwen3-coder-30b', null], ['lmstudio/qwen/qwen3-coder-30b', 3100]]);
    // One tool: its count is every call. No tool summary: no tools ran.
    const one = parseAgentResult(JSON.stringify({ meta: { stopReason: 'stop', toolSummary: { calls: 3, tools: ['read'] }, agentMeta: { assistantTurns: 4 } } }), 0);
    assert.deepEqual([one.tools, one.toolCalls, one.compactions], [{ read: 3 }, 3, []]);
    const none = parseAgentResult(JSON.stringify({ payloads: [{ text: 'Hi' }], meta: { stopReason: 'stop', agentMeta: { assistantTurns: 1 } } }), 0);
    assert.deepEqual([none.tools, none.toolCalls, none.finalMessage], [{}, 0, 'present']);
  });

  it('fills in tool counts and compaction details from the trajectory export and the run\'s log lines', () => {
    // The real export of a turn (no tools, no compaction) plus lines in the shapes 2026.9.6 writes.
    const real = fs.readFileSync('test/fixtures/openclaw/trajectory-events.jsonl', 'utf8');
    const base = summarizeTrajectory(real);
    assert.deepEqual([base.assistantMessages, base.toolNames, base.compactions], [1, [], []]);
    assert.equal(base.runIds[0], 'a1fbbbc4-131f-4ffc-b98f-77c1982b660a');
    const ev = (type: string, ts: string, data: unknown) => JSON.stringify({ traceSchema: 'openclaw-trajectory', schemaVersion: 1, source: 'transcript', type, ts, data });
    const events = [
      real.trimEnd(),
      ev('tool.call', '2026-11-21T21:41:00.000Z', { toolCallId: 'c1', name: 'read' }),
      ev('tool.call', '2026-11-21T21:41:01.000Z', { toolCallId: 'c2', name: 'read' }),
      ev('tool.call', '2026-11-21T21:41:02.000Z', { toolCallId: 'c3', name: 'edit' }),
      // The runtime records each call again (source "runtime"): not a second call.
      JSON.stringify({ traceSchema: 'openclaw-trajectory', schemaVersion: 1, source: 'runtime', type: 'tool.call', ts: '2026-11-21T21:41:02.010Z', runId: 'a1fbbbc4-131f-4ffc-b98f-77c1982b660a', data: { toolCallId: 'c3', name: 'edit' } }),
      ev('session.compaction', '2026-11-21T21:41:40.000Z', { summary: '## Decisions', tokensBefore: 41200 }),
    ].join('\n');
    const runId = 'a1fbbbc4-131f-4ffc-b98f-77c1982b660a';
    const log = (event: string, time: string, extra: object) =>
      JSON.stringify({ 0: '{"subsystem":"agent/embedded"}', 1: { event, runId, ...extra }, 2: event, time, _meta: { date: time, logLevelName: 'INFO' } });
    const logText = [
      log('embedded_run_compaction_start', '2026-11-21T21:41:30.500Z', { reason: 'threshold' }),
      log('embedded_run_compaction_start', '2026-11-21T21:41:30.600Z', { reason: 'threshold' }).replace(runId, 'another-run'),
      log('embedded_run_compaction_end', '2026-11-21T21:41:39.900Z', { reason: 'threshold', completed: true, willRetry: false }),
    ].join('\n');
    assert.equal(compactionsFromLog(logText, [runId]).length, 1);
    const meta = parseAgentResult(JSON.stringify({ meta: { stopReason: 'stop', toolSummary: { calls: 3, tools: ['read', 'edit'] }, agentMeta: { provider: 'mocklab', model: 'mock-1', assistantTurns: 4, compactionCount: 1, compactionTokensAfter: 2900 } } }), 0);
    const merged = mergeTrajectory(meta, events, [logText]);
    assert.deepEqual(merged.tools, { read: 2, edit: 1 });
    assert.deepEqual(merged.compactions, [{ startedAt: '2026-11-21T21:41:30.500Z', durationMs: 9400, tokensBefore: 41200, tokensAfter: 2900, model: 'mocklab/mock-1', trigger: 'threshold' }]);
    assert.equal(merged.turns, 4);
    // Without log lines the duration stays unknown, never guessed.
    assert.deepEqual(mergeTrajectory(meta, events, []).compactions!.map((c) => [c.durationMs, c.startedAt, c.tokensBefore]), [[null, null, 41200]]);
  });

  it('a record written before the evidence fields (compactions a count) still loads and counts', () => {
    const old = { schemaVersion: 1, index: 0, startedAt: 'x', wallMs: 1000, expectationsMet: null, completed: true, compactions: 2, compactionEvents: [{ tokensBefore: 1 }], outputSha256: 'h', outputFile: 'outputs/000.txt' };
    const r = DispatchRecordSchema.safeParse(old);
    assert.ok(r.success);
    assert.equal(compactionCount(r.data), 2);
    assert.equal(summarizeSession([r.data]).compactions, 2);
    assert.deepEqual(summarizeSession([r.data]).compactionTax, []);
  });
});

describe('the session summary relates clusters to strategy and names the compaction tax', () => {
  it('on the operators\' table: the slow cluster went step by step and compacted', () => {
    const sum = summarizeSession(table);
    assert.deepEqual(evidenceLines(sum), [
      'fast cluster: 4 of 4 all-at-once, 0 compactions',
      'slow cluster: 2 of 2 step-by-step, 5 compactions',
      'compaction tax: lmstudio/qwen/qwen3-coder-30b 34.0 s per compaction (median of 5)',
    ]);
    const show = reportLines(session('s1', 'mid-range'), table);
    assert.ok(show.includes('slow cluster: 2 of 2 step-by-step, 5 compactions'));
    assert.match(show[0]!, /agent-turn · mid-range · 2026-11-21 10:00/);
    assert.match(show.find((l) => l.startsWith('  2 '))!, /step-by-step +present +stop +read×6 edit×2$/);
  });

  it('compare: the tax per summarizing model for each session, names instead of A and B, and "no clear difference"', () => {
    const primary = table;
    const compactor = [rec(0, 199), slow(1, 480, 2, 'lmstudio/qwen3-4b-instruct-2507', 9), rec(2, 201), rec(3, 260), rec(4, 215), slow(5, 700, 3, 'lmstudio/qwen3-4b-instruct-2507', 11)];
    const [a, b] = distinctLabels([session('a', 'primary-compacts'), session('b', 'mid-range')]) as [string, string];
    const lines = comparisonLines(compareSessions(primary, compactor), a, b);
    assert.equal(lines[0]!.label, `median (${b} − ${a})`);
    assert.match(lines[0]!.value, /no clear difference/);
    assert.ok(lines.some((l) => l.label === a && l.value === 'compaction tax: lmstudio/qwen/qwen3-coder-30b 34.0 s per compaction (median of 5)'));
    assert.ok(lines.some((l) => l.label === b && l.value === 'compaction tax: lmstudio/qwen3-4b-instruct-2507 11.0 s per compaction (median of 5)'));
    const same = distinctLabels([session('20261121T1000Z-x-aaaa', 'p'), session('20261121T1000Z-x-bbbb', 'p')]);
    assert.notEqual(same[0], same[1], 'two sessions that read the same get their id ends');
  });

  it('puts where compaction really fired beside where the release\'s math predicts it (threshold compactions only)', () => {
    const s = session('s1', 'mid-range');
    const env = { ...s.environment, compactionThreshold: { model: 'lmstudio/qwen/qwen3-coder-30b', contextTokens: 90000, reserveTokens: 20000, compactAt: 70000, memoryFlushAt: 66000, formula: 'C − R, R = min(20000, ⌊C/4⌋)' } };
    const overflow = { ...compaction('m', 30), tokensBefore: 95000, trigger: 'overflow' };
    const d = [rec(0, 198), rec(1, 606, { compactions: [{ ...compaction('m', 30), tokensBefore: 41000 }, { ...compaction('m', 30), tokensBefore: 43000 }, overflow] })];
    const lines = reportLines({ ...s, environment: env }, d);
    assert.ok(lines.includes('compaction trigger: observed at 42,000 tokens (median of 2), predicted 70,000 (C − R, R = min(20000, ⌊C/4⌋); C 90,000 for lmstudio/qwen/qwen3-coder-30b): −28,000 (−40 %)'), lines.join('\n'));
    assert.ok(!reportLines(s, d).some((l) => l.startsWith('compaction trigger')), 'no prediction recorded: no comparison');
  });

  it('a lone far-slower dispatch is its own group, not a cluster', () => {
    const d = [rec(0, 200), rec(1, 205), rec(2, 210), rec(3, 198), rec(4, 202), slow(5, 900, 1)];
    assert.deepEqual(evidenceLines(summarizeSession(d)).slice(0, 2), ['all dispatches: 5 of 5 all-at-once, 0 compactions', 'outlier: 1 of 1 step-by-step, 1 compaction']);
  });
});

describe('the panel view-model for comparisons', () => {
  const s1 = session('s1', 'single-turn', '2026-11-21T10:00:00.000Z');
  const s2 = session('s2', 'mid-range', '2026-11-21T11:30:00.000Z');
  const equal = [rec(0, 30), rec(1, 30), rec(2, 30), rec(3, 30), rec(4, 30), rec(5, 30)];
  const panel = (s: Session, d: DispatchRecord[]) => ({ id: s.id, label: sessionLabel(s), points: points(s, d), row: tableRow(s, d) });

  it('labels each strip with workload, profile and time; legends the cluster colours; one histogram colour per session', () => {
    const v = panelView([panel(s1, table), panel(s2, equal)]);
    assert.deepEqual(v.strips, ['agent-turn · single-turn · 2026-11-21 10:00', 'agent-turn · mid-range · 2026-11-21 11:30']);
    assert.deepEqual(v.legend, [
      { colour: 'fast', label: 'fast cluster', group: 'dots' },
      { colour: 'slow', label: 'slow cluster', group: 'dots' },
      { colour: 'none', label: 'no fast/slow split', group: 'dots' },
      { colour: 'session0', label: 'agent-turn · single-turn · 2026-11-21 10:00', group: 'bars' },
      { colour: 'session1', label: 'agent-turn · mid-range · 2026-11-21 11:30', group: 'bars' },
    ]);
    assert.deepEqual(v.histogram.series.map((x) => [x.colour, x.counts.reduce((a, b) => a + b, 0)]), [['session0', 6], ['session1', 6]]);
    assert.deepEqual(v.histogram.series[0]!.counts.map((c, i) => c + v.histogram.series[1]!.counts[i]!), v.histogram.counts, 'the series stack to the whole');
    assert.deepEqual(v.evidence.map((e) => e.lines[1]), ['slow cluster: 2 of 2 step-by-step, 5 compactions', undefined]);
    assert.deepEqual(v.dispatches.rows[1]!.cells.slice(1), ['2', '606.0', 'slow', 'completed', 'step-by-step', '—'], 'the table behind the chart says how each went (anomalies — : recorded without the wire)');
    // One session: the histogram's bars take the strip's cluster colours (not all blue) and there is no session legend.
    const one = panelView([panel(s1, table)]);
    assert.deepEqual([one.histogram.series.map((x) => x.colour), one.legend.map((l) => l.colour)], [['fast', 'slow'], ['fast', 'slow']]);
  });

  it('jitters points so equal times stay apart, the same way on every redraw, within their strip', () => {
    const v = panelView([panel(s1, table), panel(s2, equal)]);
    const ys = v.points.filter((p) => p.session === 's2').map((p) => p.y);
    assert.equal(new Set(ys).size, 6, 'six equal times, six distinct heights');
    assert.ok(ys.every((y) => y > 1.5 && y < 2.5), 'inside the second strip');
    assert.deepEqual(panelView([panel(s1, table), panel(s2, equal)]).points, v.points);
    assert.ok([0, 1, 2, 3, 100].every((i) => Math.abs(jitter(i)) <= 0.3));
  });
});

describe('the Lab panel at its real width (#29 item 10)', () => {
  const rec = (index: number, seconds: number) => dispatchRecord(index, seconds);
  const pt = (index: number, seconds: number, cluster: 'fast' | 'slow' | 'none') => ({ session: 's', index, seconds, cluster, outcome: 'completed' as const, outputFile: '' });

  it("one session: the histogram's bars are split by cluster and coloured as the strip's dots, so both charts say the same", () => {
    const points = [pt(0, 10, 'fast'), pt(1, 11, 'fast'), pt(2, 12, 'fast'), pt(3, 40, 'slow'), pt(4, 41, 'slow'), pt(5, 10.5, 'fast')];
    const v = panelView([{ id: 's', label: 's', points, row: { session: 's', workload: 'w', profile: null, n: 6, median: null, p10: null, p90: null, slowRate: null, completion: { value: 1, low: 1, high: 1 }, compactions: 0, ttftMs: null, tokensPerSecond: null } }]);
    assert.deepEqual(v.histogram.series.map((x) => [x.colour, x.counts.reduce((a, b) => a + b, 0)]), [['fast', 4], ['slow', 2]]);
    assert.deepEqual(v.legend.map((l) => l.group), ['dots', 'dots']);
  });

  it('five sessions compared: five different colours (the fifth is not the first again)', () => {
    const s = (i: number) => ({ id: `s${i}`, label: `s${i}`, points: [pt(0, 10 + i, 'none')].map((p) => ({ ...p, session: `s${i}` })), row: { session: `s${i}`, workload: 'w', profile: null, n: 1, median: null, p10: null, p90: null, slowRate: null, completion: { value: 1, low: 1, high: 1 }, compactions: 0, ttftMs: null, tokensPerSecond: null } });
    const v = panelView([0, 1, 2, 3, 4].map(s));
    const colours = v.histogram.series.map((x) => x.colour);
    assert.equal(new Set(colours).size, 5, colours.join(' '));
  });

  it('a difference that rounds to zero reads ±0.00 s, never −0.00; the panel gets the comparison without the evidence it lists itself', () => {
    const a = [rec(0, 10), rec(1, 10.001), rec(2, 10.002)];
    const b = [rec(0, 10.001), rec(1, 10), rec(2, 10.002)];
    const c = compareSessions(a, b);
    const lines = comparisonLines(c, 'A', 'B');
    assert.doesNotMatch(lines[0]!.value, /−0\.00/);
    assert.match(lines[0]!.value, /±0\.00 s/);
    assert.deepEqual(comparisonLines(c, 'A', 'B', {}, false).map((l) => l.label), ['median (B − A)', 'slow rate', 'completed']);
  });
});
