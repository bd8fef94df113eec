import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatchesCsv, histogram, markdownTable, neutralizeCell, points, tableRow } from '../../src/core/lab/view/panel.js';
import { comparisonLines, reportLines } from '../../src/core/lab/view/report.js';
import { compareSessions } from '../../src/core/lab/summary.js';
import { panelView } from '../../src/core/lab/view/panelView.js';
import type { DispatchRecord, Session } from '../../src/core/lab/records/store.js';
import { dispatchRecord, sessionRecord } from '../support/labRecords.js';

const session = (id: string, profile: string | null = 'mid-range'): Session => sessionRecord(id, profile);
// Records as older sessions wrote them: compactions as a count.
const rec = (index: number, seconds: number, extra: Partial<DispatchRecord> = {}): DispatchRecord => dispatchRecord(index, seconds, { compactions: seconds > 500 ? 2 : 0, ...extra });
// The operators' table; the 606 s run missed its wrap-up, the 939 s one overflowed.
const table = [rec(0, 198), rec(1, 606, { completed: false, expectationsMet: false }), rec(2, 197), rec(3, 276), rec(4, 218), rec(5, 939, { completed: false, stopReason: null, errorKind: 'context_overflow' })];

describe('lab panel data', () => {
  it('points carry their cluster and outcome (shape, not colour alone, tells a failure)', () => {
    const ps = points(session('s1'), table);
    assert.deepEqual(ps.map((p) => [p.cluster, p.outcome]), [
      ['fast', 'completed'],
      ['slow', 'missed'],
      ['fast', 'completed'],
      ['fast', 'completed'],
      ['fast', 'completed'],
      ['slow', 'failed'],
    ]);
    assert.equal(ps.filter((p) => p.cluster === 'fast').length, 4);
  });

  it('small n in the view-model: tentative at n = 3 and 5 in points, row, cells, legend, notes and CSV; n = 6 not; below 3 no clusters', () => {
    const three = [rec(0, 200), rec(1, 220), rec(2, 900)];
    const ps = points(session('s3'), three);
    assert.deepEqual(ps.map((p) => [p.cluster, p.tentative]), [['fast', true], ['fast', true], ['slow', true]], 'the 4× slower dispatch is slow, not fast');
    const row = tableRow(session('s3'), three);
    assert.equal(row.tentative, true);
    assert.match(row.notes![0]!, /run more before comparing/);
    const view = panelView([{ id: 's3', label: 's3', points: ps, row }]);
    assert.equal(view.stats.rows[0]![4], '33 % (6–79) tentative');
    assert.deepEqual(view.legend.map((l) => l.label), ['fast cluster, tentative', 'slow cluster, tentative']);
    assert.ok(view.evidence[0]!.lines.some((l) => /tentative split from only 3 dispatches.*run more before comparing/.test(l)));
    assert.deepEqual(view.dispatches.rows.map((r) => r.cells[3]), ['fast (tentative)', 'fast (tentative)', 'slow (tentative)']);
    assert.match(markdownTable([row]), /\| 33 % \(6–79\) tentative \|/);
    assert.match(dispatchesCsv([{ session: session('s3'), dispatches: three }]), /,900\.000,slow \(tentative\),completed,/);

    const five = table.filter((r) => r.index !== 4);
    assert.deepEqual(points(session('s5'), five).map((p) => p.cluster), ['fast', 'slow', 'fast', 'fast', 'slow']);
    assert.equal(tableRow(session('s5'), five).tentative, true);

    const six = tableRow(session('s6'), table);
    assert.deepEqual([six.tentative, six.notes], [undefined, undefined]);
    assert.ok(points(session('s6'), table).every((p) => p.tentative === undefined));

    const two = points(session('s2'), [rec(0, 200), rec(1, 900)]);
    assert.deepEqual(two.map((p) => p.cluster), ['none', 'none']);
    assert.match(tableRow(session('s2'), [rec(0, 200), rec(1, 900)]).notes![0]!, /no clusters below 3/);
  });

  it('small n in show and compare text: clusters marked with ?, the split line and the slow-rate comparison say tentative', () => {
    const three = [rec(0, 200), rec(1, 220), rec(2, 900)];
    const lines = reportLines(session('s3'), three);
    assert.deepEqual(lines.slice(2, 5).map((l) => l.split(/\s+/)[3]), ['fast?', 'fast?', 'slow?']);
    assert.ok(lines.includes('tentative split: fast 2, slow 1 (slow rate 33 %); run more before comparing'), lines.join('\n'));
    const cmp = comparisonLines(compareSessions(three, table), 'A', 'B');
    assert.match(cmp.find((l) => l.label === 'slow rate')!.value, /33 % → 33 % \(±0 points\), tentative: run more before comparing/);
    assert.doesNotMatch(comparisonLines(compareSessions(table, table), 'A', 'B').find((l) => l.label === 'slow rate')!.value, /tentative/);
    assert.ok(!reportLines(session('s6'), table).some((l) => /tentative|\?/.test(l)));
  });

  it('histogram bins cover every value', () => {
    const h = histogram(table.map((r) => r.wallMs / 1000));
    assert.equal(h.counts.reduce((a, b) => a + b, 0), 6);
    assert.equal(h.edges.length, h.counts.length + 1);
    assert.equal(h.edges[0], 197);
    assert.equal(h.edges[h.edges.length - 1], 939);
    assert.deepEqual(histogram([5, 5, 5]).counts, [3]);
    assert.deepEqual(histogram([]), { edges: [], counts: [] });
  });

  it('the table row matches the statistics, and exports as the notebook\'s Markdown', () => {
    const row = tableRow(session('s1'), table);
    assert.deepEqual([row.n, row.median, row.compactions, Math.round(100 * row.completion.value)], [6, 247, 4, 67]);
    assert.equal(Math.round(100 * row.slowRate!.value), 33);
    const md = markdownTable([row]);
    assert.equal(md.split('\n')[0], '| session | workload | profile | n | median s | p10–p90 s | slow rate | completed | compactions | TTFT ms | tok/s |');
    assert.equal(md.split('\n')[1], '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    assert.equal(md.split('\n')[2], '| s1 | agent-turn | mid-range | 6 | 247.0 | 197.5–772.5 | 33 % (10–70) | 67 % (30–90) | 4 | — | — |');
  });

  it('exports every dispatch as CSV, quoting what needs it', () => {
    const csv = dispatchesCsv([{ session: session('s1'), dispatches: table }, { session: session('s,2"x', null), dispatches: [rec(0, 10)] }]);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines.length, 1 + 6 + 1);
    assert.equal(lines[0], 'session,workload,index,startedAt,seconds,cluster,outcome,stopReason,errorKind,ttftMs,tokensIn,tokensOut,tokensPerSecond,compactions,transport,turns,toolCalls,strategy,finalMessage');
    assert.equal(lines[6], 's1,agent-turn,5,2026-11-21T10:05:00.000Z,939.000,slow,failed,,context_overflow,,,,,2,,,,,');
    assert.ok(lines[7]!.startsWith('"s,2""x",agent-turn,0,'));
  });

  it('neutralises cells a spreadsheet would run as formulas, and keeps plain numbers numeric', () => {
    const evil = [
      rec(0, 10, { stopReason: '=HYPERLINK("http://x")', errorKind: '@SUM(A1)' }),
      rec(1, 10, { stopReason: '+cmd|calc', errorKind: '-2+3' }),
      rec(2, 10, { stopReason: '\t=1+1', errorKind: '\r=1', transport: '-12' }),
    ];
    const lines = dispatchesCsv([{ session: session('s1'), dispatches: evil }]).trimEnd().split('\r\n');
    const tail = (i: number) => lines[i]!.slice(lines[i]!.indexOf(',completed,') + ',completed,'.length);
    assert.equal(tail(1), `"'=HYPERLINK(""http://x"")",'@SUM(A1),,,,,0,,,,,`);
    assert.equal(tail(2), `'+cmd|calc,'-2+3,,,,,0,,,,,`);
    assert.equal(tail(3), `"'\t=1+1","'\r=1",,,,,0,-12,,,,`, 'a plain negative number stays a number');
    assert.equal(neutralizeCell('-0.5'), '-0.5');
    assert.equal(neutralizeCell('+3'), '+3');
    assert.equal(neutralizeCell('-2e3'), "'-2e3");
    assert.equal(neutralizeCell('plain'), 'plain');
  });
});
