import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codewordView, compactionSummaries, filesOf, makeCodewords, plantMessage, survivalLines, survivalMatrix, type Codeword } from '../../src/core/lab/experiments/codewords.js';

/** Scripted compactors: one keeps only rule-like sentences, one keeps everything. */
const keepRuleLike = (history: string) => history.split('\n').filter((l) => /\brule\b|\bmust\b|\bevery\b/i.test(l)).join('\n');
const keepAll = (history: string) => history;

/** A scripted model after the compaction: it can use only what its context (the summary) still holds. */
function modelAfter(context: string, cw: readonly Codeword[]) {
  const v = (k: Codeword['kind']) => cw.find((c) => c.kind === k)!.value;
  const knows = (k: Codeword['kind']) => context.includes(v(k));
  const marker = knows('rule') ? `// ${v('rule')}\n` : '';
  const work = [
    'src/retry.ts',
    '```ts',
    `${marker}export const SEED = ${knows('number') ? v('number') : 42};`,
    `export const TIMEOUT_MS = ${knows('sla') ? parseInt(v('sla')) : 1000}; // ${knows('sla') ? v('sla') : 'a guess'}`,
    '```',
    'README.md',
    '```md',
    `${marker}# ${knows('codename') ? v('codename') : 'Our project'}`,
    '```',
  ].join('\n');
  const recall = ['RECALL:', ...(['rule', 'codename', 'number', 'sla'] as const).map((k) => (knows(k) ? v(k) : 'I no longer know'))].join('\n');
  return { work, recall };
}

describe('planted-codeword probe: the survival matrix', () => {
  const cw = makeCodewords(7);

  it('plants four codewords of different kinds, reproducibly', () => {
    assert.deepEqual(cw.map((c) => c.kind), ['rule', 'codename', 'number', 'sla']);
    assert.deepEqual(makeCodewords(7), cw);
    const m = plantMessage(cw);
    for (const c of cw) assert.ok(m.includes(c.value), c.kind);
  });

  it('a compactor that keeps only rule-like sentences: rule ✔ / codename ✘ / number ✘ / SLA ✘', () => {
    const summary = keepRuleLike(plantMessage(cw));
    const { work, recall } = modelAfter(summary, cw);
    const m = survivalMatrix({ codewords: cw, compactions: 1, summaries: [summary], work, recall });
    assert.deepEqual(m.rows.map((r) => [r.kind, r.inSummary, r.applied, r.recalled, r.survived]), [
      ['rule', true, true, true, true],
      ['codename', false, false, false, false],
      ['number', false, false, false, false],
      ['sla', false, false, false, false],
    ]);
    assert.match(survivalLines(m).join('\n'), /^rule .*✔ +✔ +✔ +✔$/m);
    assert.match(survivalLines(m).join('\n'), /Only behavioural evidence after a compaction/);
  });

  it('a compactor that keeps everything: all ✔', () => {
    const summary = keepAll(plantMessage(cw));
    const { work, recall } = modelAfter(summary, cw);
    const m = survivalMatrix({ codewords: cw, compactions: 2, summaries: [summary], work, recall });
    assert.ok(m.rows.every((r) => r.inSummary && r.applied && r.recalled && r.survived), JSON.stringify(m.rows));
  });

  it('the Lab panel view: one table per session in the matrix order, words beside the marks, survival counted over sessions', () => {
    const ruleOnly = keepRuleLike(plantMessage(cw));
    const a = survivalMatrix({ codewords: cw, compactions: 1, summaries: [ruleOnly], ...modelAfter(ruleOnly, cw) });
    const all = keepAll(plantMessage(cw));
    const b = survivalMatrix({ codewords: cw, compactions: 2, summaries: [all], ...modelAfter(all, cw) });
    const none = survivalMatrix({ codewords: cw, compactions: 0, summaries: [], work: '', recall: '' });
    const view = codewordView({ agent: 'main', profile: 'long-agentic', startedAt: '2026-12-01T10:20:30Z', sessions: [
      { sessionKey: 'k1', turns: 5, matrix: a },
      { sessionKey: 'k2', turns: 6, matrix: b },
      { sessionKey: 'k3', turns: 2, matrix: none, error: 'grow 1: timed out' },
    ] });
    assert.equal(view.title, 'Codeword survival: agent main under long-agentic, 3 sessions (2026-12-01 10:20)');
    assert.deepEqual(view.head, ['codeword', 'value', 'in summary', 'applied after compaction', 'recalled at the end', 'survived the summary']);
    assert.deepEqual(view.tables[0]!.rows.map((r) => [r[0], r[1], r[5]]), cw.map((c, i) => [c.kind, c.value, i === 0 ? '✔ yes' : '✘ no']));
    assert.ok(view.tables[1]!.rows.every((r) => r.slice(2).every((c) => c === '✔ yes')));
    assert.equal(view.tables[2]!.caption, 'Session 3: 0 compactions before the work, 2 turns — grow 1: timed out');
    assert.ok(view.tables[2]!.rows.every((r) => r[5] === '— unknown'), 'no compaction: nothing judged');
    assert.ok(view.tables[2]!.rows.every((r) => r[2] === '— unknown'), 'no compaction, no summary: not "✘ no" in summary (#29)');
    // The failed session does not count; the two others do.
    assert.equal(view.summary, 'Survived the summary: rule 2/2 · codename 1/2 · number 1/2 · sla 1/2');
    assert.ok(view.tables[0]!.notes.some((n) => /Only behavioural evidence/.test(n)));
  });

  it('a codeword in the summary alone is not survival; without a compaction nothing is judged; the rule needs every file', () => {
    const summary = keepAll(plantMessage(cw));
    const forgetful = survivalMatrix({ codewords: cw, compactions: 1, summaries: [summary], work: 'nothing', recall: 'RECALL:' });
    assert.deepEqual(forgetful.rows.map((r) => [r.inSummary, r.survived]), [[true, false], [true, false], [true, false], [true, false]]);
    const none = survivalMatrix({ codewords: cw, compactions: 0, work: '', recall: '' });
    assert.ok(none.rows.every((r) => r.survived === null && r.inSummary === null));
    assert.ok(none.notes.some((n) => /No compaction happened/.test(n)));
    const oneFile = `a.ts\n\`\`\`ts\n// ${cw[0]!.value}\n\`\`\`\nb.ts\n\`\`\`ts\nconst x = 1;\n\`\`\``;
    assert.deepEqual(filesOf(oneFile).map((f) => f.path), ['a.ts', 'b.ts']);
    assert.equal(survivalMatrix({ codewords: cw, compactions: 1, work: oneFile, recall: '' }).rows[0]!.applied, false);
  });

  it("a summary OpenClaw's export redacted makes 'in summary' unknown, never false", () => {
    const m = survivalMatrix({ codewords: cw, compactions: 1, summaries: ['[Malformed diagnostic JSON redacted]'], work: '', recall: '' });
    assert.ok(m.rows.every((r) => r.inSummary === null));
    assert.ok(m.notes.some((n) => /redacted by OpenClaw's export/.test(n)));
  });

  it('reads compaction summaries from a trajectory export', () => {
    const lines = [
      JSON.stringify({ type: 'session.compaction', data: { type: 'compaction', summary: '## Decisions\nkeep X', tokensBefore: 25090, tokensAfter: 3242 } }),
      '{not json',
      JSON.stringify({ type: 'user.message', data: {} }),
    ].join('\n');
    assert.deepEqual(compactionSummaries(lines), ['## Decisions\nkeep X']);
  });
});
