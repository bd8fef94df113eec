import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatchesCsv, histogram, markdownTable, neutralizeCell, points, tableRow } from '../../src/core/lab/view/panel.js';
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
