import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, judge, observe } from '../../src/core/check.js';
import { fixAll } from '../../src/core/fixAll.js';
import type { Observation } from '../../src/core/observation.js';
import { RULES } from '../../src/core/rules/registry.js';
import { config } from '../support/observe.js';
import { nodeAt, parseDocument, toValue } from '../../src/core/openclaw/document.js';
import { migrateConfig, sideFileText } from '../../src/core/migrate/migrate.js';
import { v } from '../../src/core/openclaw/version.js';
import { editsBetween, lineEnding, mapText, spliceBytes } from '../../src/core/write/bytes.js';
import { histogram, panelView } from '../../src/core/lab/view/panelView.js';

describe('byte-preserving text', () => {
  it('decodes exactly as TextDecoder does, for random bytes, and maps every unit back to its bytes', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let n = 0; n < 300; n++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rnd() * 60) }, () => (rnd() < 0.6 ? 0x20 + Math.floor(rnd() * 90) : Math.floor(rnd() * 256))));
      const m = mapText(bytes);
      assert.equal(m.text, new TextDecoder().decode(bytes.subarray(m.encoding === 'utf8bom' ? 3 : 0)), `case ${n}`);
      // An edit of nothing gives the same bytes back, whatever they are.
      assert.deepEqual(Buffer.from(spliceBytes(bytes, m, []).bytes), bytes);
    }
  });

  it('replaces only the edited bytes', () => {
    const bytes = Buffer.concat([Buffer.from('{ "a": 1, // '), Buffer.from([0xe9, 0xe8]), Buffer.from('\n "b": 2 }')]);
    const m = mapText(bytes);
    const at = m.text.indexOf('2');
    const out = spliceBytes(bytes, m, [{ span: [at, at + 1], newText: '3' }]);
    assert.deepEqual(Buffer.from(out.bytes), Buffer.concat([Buffer.from('{ "a": 1, // '), Buffer.from([0xe9, 0xe8]), Buffer.from('\n "b": 3 }')]));
  });

  it('finds the line ending in use', () => {
    assert.equal(lineEnding('a\r\nb\r\n'), '\r\n');
    assert.equal(lineEnding('a\nb\r\nc\n'), '\n');
  });

  it('editsBetween reproduces the target text', () => {
    const before = '{\n  // one\n  a: 1,\n  b: [1, 2, 3],\n}\n';
    const after = '{\n  // one\n  a: 2,\n  b: [1, 3],\n  c: true,\n}\n';
    const m = mapText(Buffer.from(before));
    assert.equal(spliceBytes(Buffer.from(before), m, editsBetween(before, after)).text, after);
  });
});

describe('the side file', () => {
  it('keeps a removed multi-line string exactly, so it reads back as the same value', () => {
    const original = '{\n  agents: {\n    // why\n    systemPromptOverride: "line one \\\n      line two",\n  },\n}\n';
    const member = original.slice(original.indexOf('    // why'), original.indexOf(',\n  },'));
    const side = sideFileText('/x/openclaw.json', [{ path: 'agents.systemPromptOverride', reason: 'r', text: member }], v('2026.9.6'));
    const back = toValue(nodeAt(parseDocument('/x/side.json5', side).root, ['removed', 0, 'was', 'systemPromptOverride']));
    assert.equal(back, toValue(nodeAt(parseDocument('/x/o.json5', original).root, ['agents', 'systemPromptOverride'])));
    assert.ok(side.includes('// why'));
  });
});

describe('the one check pipeline', () => {
  it('respects the profile in force for every caller: a single-turn config gets no compactor finding', () => {
    const text = `{ models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "m", name: "M", contextWindow: 32768, contextTokens: 32768 }] } } },
      agents: { defaults: { model: { primary: "lmstudio/m" } } } }`;
    const doc = parseDocument('/tmp/openclaw.json', text);
    const plain = check({ doc, version: v('2026.9.6') });
    assert.ok(plain.findings.some((f) => f.rule === 'compaction-model-missing'));
    const inForce = check({ doc, version: v('2026.9.6'), lastApplied: 'single-turn' });
    if (inForce.profiles.detection.name === 'single-turn' && !inForce.profiles.detection.drift) {
      assert.ok(!inForce.findings.some((f) => f.rule === 'compaction-model-missing'));
    }
    assert.ok(!check({ doc, version: v('2026.9.6'), disabledRules: ['compaction-model-missing'] }).findings.some((f) => f.rule === 'compaction-model-missing'));
  });
});

describe('observe, then judge', () => {
  const machine = { totalMemoryBytes: 64 * 1024 ** 3, cpus: 8, platform: 'test' };
  const input = { doc: parseDocument('/tmp/openclaw.json', config({ window: 8192, rows: '{ "id": "extra", "name": "E", "contextWindow": 4096, "maxTokens": 4096 }' })), version: v('2026.9.6'), machine };
  /** Every rule, counting how often each runs. */
  const counting = () => {
    const ran = new Map<string, number>();
    const rules = RULES.map((r) => ({ ...r, check: (o: Observation) => (ran.set(r.id, (ran.get(r.id) ?? 0) + 1), r.check(o)) }));
    return { ran, rules };
  };

  it('check is the two steps composed', () => {
    const { observation, profiles } = observe(input);
    const both = check(input);
    assert.deepEqual(judge(observation), both.findings);
    assert.ok(both.findings.length >= 3, JSON.stringify(both.findings.map((f) => f.rule)));
    assert.equal(profiles.detection.name, both.profiles.detection.name);
    assert.deepEqual(judge(observation, { disabledRules: ['max-tokens-budget'] }), both.findings.filter((f) => f.rule !== 'max-tokens-budget'));
    const broken = observe({ ...input, doc: parseDocument('/tmp/openclaw.json', '{ "models": ') }).observation;
    assert.deepEqual(judge(broken).map((f) => f.rule), ['parse-error']);
    assert.deepEqual(judge(broken, { rules: RULES.filter((r) => r.id === 'max-tokens-budget') }), [], 'parse-error is not among the rules asked for');
  });

  it('fixing one rule runs only that rule, and leaves what fixing it with every rule running left', () => {
    const { ran, rules } = counting();
    const one = fixAll(input, 'max-tokens-budget', rules);
    assert.deepEqual([...ran.keys()], ['max-tokens-budget']);
    assert.equal(ran.get('max-tokens-budget'), 3, 'before the fixes, and after each of the two');
    assert.deepEqual(one.applied, ['Set maxTokens to 2,048 (models.providers.lmstudio.models.0.maxTokens)', 'Set maxTokens to 1,024 (models.providers.lmstudio.models.1.maxTokens)']);
    assert.deepEqual(one.remaining, []);
    const before = check(input).findings;
    const after = check({ ...input, doc: parseDocument('/tmp/openclaw.json', one.after) }).findings;
    assert.deepEqual(after, before.filter((f) => f.rule !== 'max-tokens-budget'), 'the other rules\' findings stay (the new numbers are as long as the old)');
    assert.deepEqual(fixAll(input, 'max-tokens-budget'), one, 'the registry gives the same answer');

    const all = counting();
    fixAll(input, undefined, all.rules);
    assert.deepEqual([...all.ran.keys()].sort(), RULES.map((r) => r.id).sort(), 'Fix All runs every rule');
  });
});

describe('migrate, once OpenClaw accepts the file', () => {
  it('moves a key OpenClaw strips at read (retired-key) to where it applies, comments kept', async () => {
    const text = `{
  models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", models: [{ id: "m", name: "M", contextWindow: 65536 }] } } },
  agents: { defaults: {
    // the cap we chose
    contextTokens: 40000,
    model: { primary: "lmstudio/m" } } },
}`;
    const valid = async () => ({ valid: true, issues: [], warnings: [] });
    const r = await migrateConfig('/tmp/openclaw.json', text, { validate: valid, version: v('2026.9.6') });
    assert.deepEqual(r.changes.map((c) => [c.path, c.action]), [['agents.defaults.contextTokens', 'move']]);
    const after = toValue(parseDocument('/tmp/openclaw.json', r.after).root) as { agents: { defaults: Record<string, unknown> }; models: { providers: { lmstudio: { models: { contextTokens?: number }[] } } } };
    assert.equal(after.agents.defaults.contextTokens, undefined);
    assert.equal(after.models.providers.lmstudio.models[0]!.contextTokens, 40000);
    assert.deepEqual(r.removed.map((x) => x.text.includes('// the cap we chose')), [true]);
  });
});

describe('checking one document twice', () => {
  it('gives the same findings, $include problems included (resolving used to consume them)', () => {
    const doc = parseDocument('/nonexistent-dir/openclaw.json', '{ agents: { $include: "./missing.json5" } }');
    const once = check({ doc, version: v('2026.9.6') }).findings.map((f) => f.message);
    const twice = check({ doc, version: v('2026.9.6') }).findings.map((f) => f.message);
    assert.ok(once.some((m) => /included file not found/.test(m)), JSON.stringify(once));
    assert.deepEqual(twice, once);
  });
});

describe('lab panel view-model (what the webview draws)', () => {
  const row = { session: 's', workload: 'w', profile: null, n: 3, median: 2, p10: 1, p90: 30, slowRate: null, completion: { value: 1, low: 0.4, high: 1 }, compactions: 0, ttftMs: null, tokensPerSecond: 12.34 };
  const session = (id: string, secs: number[]) => ({ id, label: id, row, points: secs.map((s, i) => ({ session: id, index: i, seconds: s, cluster: 'none' as const, outcome: 'completed' as const, outputFile: `outputs/${i}.txt` })) });

  it('bins every shown dispatch, labels bins with the same number format as the tables', () => {
    const view = panelView([session('a', [1, 2, 3, 30]), session('b', [5])]);
    assert.equal(view.histogram.counts.reduce((x, y) => x + y, 0), 5);
    assert.deepEqual(view.histogram.counts, histogram([1, 2, 3, 30, 5]).counts);
    assert.equal(view.histogram.labels[0], '1.00–10.7');
    assert.deepEqual(view.stats.rows[0], ['a', '3', '2.00', '1.00–30.0', '—', '100 % (40–100)', '0', '—', '12.3']);
    assert.deepEqual(view.dispatches.rows.map((r) => r.cells[1]), ['1', '2', '3', '4', '1']);
    assert.equal(view.title, 'Compare 2 lab sessions');
  });
});
