import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding, RuleId } from '../../src/core/findings.js';
import { applyEdits } from '../../src/core/text.js';
import { runRules } from '../../src/core/rules/registry.js';
import { config, lmstudio, observe } from '../support/observe.js';
import { allOnCompactor, compactionRoutes } from '../../src/core/openclaw/compactionPaths.js';

const of = (fs: Finding[], rule: RuleId) => fs.filter((f) => f.rule === rule);
/** Every compaction path on the compactor (compactionPaths.ts): safeguard, the mid-turn precheck, the flush on it too. */
const good = '{ "mode": "safeguard", "model": "lmstudio/qwen3-4b-instruct-2507", "midTurnPrecheck": { "enabled": true }, "memoryFlush": { "model": "lmstudio/qwen3-4b-instruct-2507" } }';
const compactorRow = '{ "id": "qwen3-4b-instruct-2507", "name": "C", "contextWindow": 68000 }';

function applyPreferred(text: string, f: Finding): string {
  const fix = f.fixes.find((x) => x.preferred && x.plan);
  assert.ok(fix, `no preferred fix for ${f.rule}`);
  return applyEdits(text, fix.plan!.edits.flatMap((e) => e.edits));
}

describe('context-window-mismatch', () => {
  it('is an error at the contextWindow value when registered is above loaded; the fix writes the loaded number', () => {
    const text = config({ window: 131072, compaction: good, rows: compactorRow });
    const obs = observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768, max: 262144 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]) } });
    const [f, ...rest] = of(runRules(obs), 'context-window-mismatch');
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, 'error');
    assert.equal(text.slice(f!.span[0], f!.span[1]), '131072');
    assert.match(applyPreferred(text, f!), /"contextWindow": 32768,/);
    assert.equal(f!.fixes[1]!.plan!.actions.find((a) => a.kind === 'load')?.kind, 'load', 'second fix reloads at the registered context');
  });

  it('is a warning when the registered window is below loaded; an effective contextTokens cap above loaded is the error', () => {
    const below = config({ window: 16384, compaction: good, rows: compactorRow });
    const obs = observe(below, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]) } });
    const [w] = of(runRules(obs), 'context-window-mismatch');
    assert.equal(w!.severity, 'warning');
    assert.equal(below.slice(w!.span[0], w!.span[1]), '16384');
    assert.match(w!.message, /preload/);
    const capAbove = config({ window: 131072, tokens: 65536, compaction: good, rows: compactorRow });
    const [e] = of(runRules(observe(capAbove, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]) } })), 'context-window-mismatch');
    assert.equal(e!.severity, 'error');
    assert.equal(capAbove.slice(e!.span[0], e!.span[1]), '65536', 'the field that sets C');
  });

  it('a contextTokens budget deliberately below the loaded window is not a mismatch (the validated 90,000 on 101,000)', () => {
    const text = config({ window: 101000, tokens: 90000, compaction: good, rows: compactorRow });
    const obs = observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 101000 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]) } });
    assert.deepEqual(of(runRules(obs), 'context-window-mismatch'), []);
  });

  it('says nothing when equal, when the server is unreadable, or when it cannot tell (mlx)', () => {
    const text = config({ window: 32768, compaction: good, rows: compactorRow });
    const ok = observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]) } });
    assert.deepEqual(of(runRules(ok), 'context-window-mismatch'), []);
    const down = observe(text, { runtimes: { lmstudio: { baseUrl: 'x', status: 'unreachable', loaded: [], via: 'probe' } } });
    assert.deepEqual(runRules(down).filter((f) => f.severity !== 'info'), []);
    const mlx = observe(text, { runtimes: { lmstudio: { baseUrl: 'x', status: 'ok', kind: 'mlx', knowsLoaded: false, loaded: [], via: 'probe' } } });
    assert.deepEqual(of(runRules(mlx), 'model-not-loaded'), [], 'unknown is never guessed as "not loaded"');
  });
});

describe('other rules', () => {
  it('context-exceeds-model-max clamps', () => {
    const text = config({ window: 300000, compaction: good, rows: compactorRow });
    const obs = observe(text, { runtimes: { lmstudio: lmstudio([], [{ key: 'qwen/qwen3-coder-30b', max: 262144 }]) } });
    const [f] = of(runRules(obs), 'context-exceeds-model-max');
    assert.equal(f!.severity, 'error');
    assert.match(applyPreferred(text, f!), /"contextWindow": 262144/);
  });

  it('unknown-model-ref: unregistered model on a local provider is an error; a loaded one can be registered', () => {
    const text = config({ window: 32768, compaction: '{ "mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507" }' });
    const obs = observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]) } });
    const [f] = of(runRules(obs), 'unknown-model-ref');
    assert.equal(f!.severity, 'error');
    assert.match(f!.message, /200,000/);
    const after = applyPreferred(text, f!);
    assert.match(after, /"id": "qwen3-4b-instruct-2507", "name": "qwen3-4b-instruct-2507", "contextWindow": 68000/);
    assert.deepEqual(of(runRules(observe(after, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }]) } })), 'unknown-model-ref'), []);
    const hosted = observe(config({ window: 32768, compaction: good, rows: compactorRow, primary: 'anthropic/claude-sonnet-4' }));
    assert.deepEqual(of(runRules(hosted), 'unknown-model-ref'), [], 'bundled hosted providers are not flagged');
    const stray = observe(config({ window: 32768, compaction: good, rows: compactorRow, primary: 'lmstuido/qwen/qwen3-coder-30b' }));
    assert.equal(of(runRules(stray), 'unknown-model-ref')[0]!.fixes[0]!.title, 'Use lmstudio/qwen/qwen3-coder-30b');
  });

  it('compaction-model-missing picks a small instruct model from the server and registers it; its fix depends on the mode', () => {
    const server = { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }], [{ key: 'qwen/qwen3-coder-30b', params: '30B-A3B' }, { key: 'gemma-3-12b-it', params: '12B' }, { key: 'qwen3-4b-instruct-2507', params: '4B', max: 262144 }, { key: 'qwen2.5-7b-instruct', params: '7B' }]) };
    // Safeguard (here: mode unset): the compactor takes every compaction; on 2026.9 the flush turn needs it too.
    const unset = config({ window: 32768, compaction: '{ "keepRecentTokens": 20000 }' });
    const [s] = of(runRules(observe(unset, { runtimes: server })), 'compaction-model-missing');
    assert.equal(s!.fixes[0]!.title, 'Use lmstudio/qwen3-4b-instruct-2507 as the compaction model and the memory-flush model (and register it)');
    assert.match(s!.message, /^No compaction\.model: the primary summarizes every compaction\. .*mode unset.*takes every compaction; on OpenClaw 2026\.9\.6 set memoryFlush\.model/);
    assert.match(s!.message, /darkmux long-agentic, n = 6: 222 s vs 773 s/, 'the operators\' figure with its source and conditions');
    assert.doesNotMatch(s!.message, /~3×|30 s instead/);
    const after = applyPreferred(unset, s!);
    assert.match(after, /"compaction": \{ "keepRecentTokens": 20000, "model": "lmstudio\/qwen3-4b-instruct-2507", "memoryFlush": \{ "model": "lmstudio\/qwen3-4b-instruct-2507" \} \}/);
    assert.match(after, /"contextWindow": 68000/);
    // 2026.5.28: no flush turn before a between-turn compaction, so only compaction.model.
    const [old] = of(runRules(observe(unset, { runtimes: server, version: '2026.5.28' })), 'compaction-model-missing');
    assert.equal(old!.fixes[0]!.title, 'Use lmstudio/qwen3-4b-instruct-2507 as the compaction model (and register it)');
    // Default mode: a compactor alone would not take the threshold compactions; the preferred fix also leaves "default".
    const text = config({ window: 32768, compaction: '{ "mode": "default" }' });
    const [d] = of(runRules(observe(text, { runtimes: server })), 'compaction-model-missing');
    assert.match(d!.message, /In mode "default" a compaction\.model alone does not take the threshold compactions/);
    assert.deepEqual(d!.fixes.map((f) => [f.title, f.preferred]), [
      ['Use lmstudio/qwen3-4b-instruct-2507 as the compaction model, set mode "safeguard" with the mid-turn precheck and use it for the memory flush (and register it)', true],
      ['Use lmstudio/qwen3-4b-instruct-2507 as the compaction model with the mid-turn precheck (the end-of-prompt threshold stays on the primary) (and register it)', false],
    ]);
    assert.match(applyPreferred(text, d!), /"compaction": \{ "mode": "safeguard", "model": "lmstudio\/qwen3-4b-instruct-2507", "midTurnPrecheck": \{ "enabled": true \}, "memoryFlush": \{ "model": "lmstudio\/qwen3-4b-instruct-2507" \} \}/);
    const [d5] = of(runRules(observe(text, { runtimes: server, version: '2026.5.28' })), 'compaction-model-missing');
    assert.match(d5!.message, /and on this release also the first overflow/);
  });

  it('compaction-mode never prefers "default" while a compactor is configured, and says what it would do to it', () => {
    const unset = of(runRules(observe(config({ window: 32768, compaction: '{ "model": "lmstudio/qwen3-4b-instruct-2507" }', rows: compactorRow }))), 'compaction-mode');
    assert.equal(unset.length, 1);
    assert.match(unset[0]!.message, /unset/);
    assert.match(unset[0]!.message, /summarizes those threshold compactions with the primary lmstudio\/qwen\/qwen3-coder-30b, not with lmstudio\/qwen3-4b-instruct-2507/);
    assert.deepEqual(unset[0]!.fixes.map((f) => [f.title, f.preferred]), [
      ['Enable the mid-turn precheck (compaction.midTurnPrecheck.enabled: true)', true],
      ['Set compaction.mode to "default" (threshold compactions then run on the primary, not on lmstudio/qwen3-4b-instruct-2507)', false],
    ]);
    // No compactor: "default" costs nothing a compactor would have done, but the precheck still comes first.
    const bare = of(runRules(observe(config({ window: 32768, compaction: '{ "mode": "safeguard" }' }))), 'compaction-mode');
    assert.deepEqual(bare[0]!.fixes.map((f) => [f.title, f.preferred]), [
      ['Enable the mid-turn precheck (compaction.midTurnPrecheck.enabled: true)', true],
      ['Set compaction.mode to "default"', false],
    ]);
    // A release without the precheck (before 2026.5.28 as far as the tests know): "default" only, never preferred with a compactor.
    const older = of(runRules(observe(config({ window: 32768, compaction: '{ "model": "lmstudio/qwen3-4b-instruct-2507" }', rows: compactorRow }), { version: '2026.5.20' })), 'compaction-mode');
    assert.deepEqual(older[0]!.fixes.map((f) => f.preferred), [false]);
    assert.deepEqual(of(runRules(observe(config({ window: 32768, compaction: good, rows: compactorRow }))), 'compaction-mode'), []);
  });

  it('compaction-threshold-on-primary: mode "default" with a compactor; the preferred fix puts every path on the compactor', () => {
    const text = config({ window: 32768, compaction: '{ "mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507" }', rows: compactorRow });
    const [f] = of(runRules(observe(text)), 'compaction-threshold-on-primary');
    assert.equal(f!.severity, 'warning');
    assert.match(f!.message, /^Mode "default": the threshold compactions run on the primary, not on compaction\.model\. Threshold \(C − R\) in the session is summarized by the primary/);
    assert.deepEqual(f!.fixes.map((x) => x.preferred), [true, false, false]);
    const after = applyPreferred(text, f!);
    assert.match(after, /"mode": "safeguard", "model": "lmstudio\/qwen3-4b-instruct-2507", "midTurnPrecheck": \{ "enabled": true \}/);
    assert.deepEqual(of(runRules(observe(after)), 'compaction-threshold-on-primary'), []);
    // 2026.5.28: the session's own overflow branch also summarizes the first overflow with the primary.
    const [old] = of(runRules(observe(text, { version: '2026.5.28' })), 'compaction-threshold-on-primary');
    assert.match(old!.message, /Threshold \(C − R\) in the session and provider overflow recovery are summarized by the primary/);
    // The precheck already on: the end-of-prompt threshold still runs on the primary; the fix is safeguard.
    const pre = config({ window: 32768, compaction: '{ "mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507", "midTurnPrecheck": { "enabled": true } }', rows: compactorRow });
    const [p] = of(runRules(observe(pre)), 'compaction-threshold-on-primary');
    assert.match(p!.message, /The mid-turn precheck is on, but a threshold compaction at the end of a prompt still runs on the primary/);
    assert.deepEqual(p!.fixes.map((x) => [x.title, x.preferred]), [['Set compaction.mode to "safeguard"', true]]);
    // compaction.model naming the primary is no compactor.
    const self = config({ window: 32768, compaction: '{ "mode": "default", "model": "lmstudio/qwen/qwen3-coder-30b" }' });
    assert.deepEqual(of(runRules(observe(self)), 'compaction-threshold-on-primary'), []);
  });

  it('memory-flush-on-primary: 2026.9 safeguard with a compactor and the flush on the primary', () => {
    const text = config({ window: 32768, compaction: '{ "model": "lmstudio/qwen3-4b-instruct-2507", "midTurnPrecheck": { "enabled": true } }', rows: compactorRow });
    const [f] = of(runRules(observe(text)), 'memory-flush-on-primary');
    assert.equal(f!.severity, 'info');
    assert.deepEqual(f!.fixes.map((x) => [x.title, x.preferred]), [
      ['Set compaction.memoryFlush.model to lmstudio/qwen3-4b-instruct-2507', true],
      ['Turn the memory flush off (no durable memories are written before compaction)', false],
    ]);
    const after = applyPreferred(text, f!);
    assert.match(after, /"memoryFlush": \{ "model": "lmstudio\/qwen3-4b-instruct-2507" \}/);
    assert.deepEqual(of(runRules(observe(after)), 'memory-flush-on-primary'), []);
    assert.deepEqual(of(runRules(observe(text, { version: '2026.8.2' })), 'memory-flush-on-primary'), [], '2026.8 compacts after the turn, with no flush turn');
    const off = config({ window: 32768, compaction: '{ "model": "lmstudio/qwen3-4b-instruct-2507", "memoryFlush": { "enabled": false } }', rows: compactorRow });
    assert.deepEqual(of(runRules(observe(off)), 'memory-flush-on-primary'), []);
  });

  it('retired-key depends on the installed version: rejected keys are errors on 2026.9, valid on 2026.5', () => {
    const text = config({ window: 32768, compaction: '{ "mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507", "reserveTokensFloor": 24000, "maxHistoryShare": 0.35 }', rows: compactorRow, extraDefaults: '"contextTokens": 30000' });
    const now = of(runRules(observe(text)), 'retired-key');
    assert.deepEqual(now.map((f) => [f.path.join('.'), f.severity]), [
      ['agents.defaults.compaction.reserveTokensFloor', 'error'],
      ['agents.defaults.compaction.maxHistoryShare', 'error'],
      ['agents.defaults.contextTokens', 'warning'],
    ]);
    const moved = applyPreferred(text, now[2]!);
    assert.match(moved, /"contextWindow": 32768, "maxTokens": 8192, "contextTokens": 30000 \}/, 'the cap moves to the primary row');
    assert.doesNotMatch(moved, /"agents": \{ "defaults": \{[^]*"contextTokens": 30000 \} \}/);
    assert.equal(of(runRules(observe(text, { version: '2026.8.1' })), 'retired-key').length, 3, 'first release that rejects them (verified)');
    assert.equal(of(runRules(observe(text, { version: '2026.7.35' })), 'retired-key').length, 0, 'last release that accepts them (verified)');
    const old = runRules(observe(text, { version: '2026.5.20' }));
    assert.deepEqual(of(old, 'retired-key'), []);
    assert.equal(of(old, 'reserve-floor-silent-failure').length, 1, 'on 2026.5 the non-default floor is the silent-failure rule');
  });

  it('agents.list becomes agents.entries, with ownership for a roster', () => {
    const text = '{\n  "agents": {\n    "list": [{ "id": "main" }, { "id": "qa", "model": "p/m" }]\n  }\n}';
    const [f] = of(runRules(observe(text)), 'retired-key');
    assert.equal(f!.severity, 'error');
    const after = applyPreferred(text, f!);
    assert.deepEqual(JSON.parse(after), { agents: { entries: { main: {}, qa: { model: 'p/m' } }, ownership: 'explicit' } });
  });

  it('agents.list with comments: each entry moves with its comments, the id becomes the key, the layout follows the file', () => {
    const text = [
      '{',
      '  agents: {',
      '    list: [',
      '      // the operator',
      '      { id: "ops", name: "Ops" }, // on call',
      '      /* the writer */',
      '      {',
      '        id: "writer",',
      '        workspace: "/srv/writer", // its own',
      '      },',
      '    ],',
      '  },',
      '}',
    ].join('\n');
    const [f] = of(runRules(observe(text)), 'retired-key');
    const after = applyPreferred(text, f!);
    assert.equal(
      after,
      [
        '{',
        '  agents: {',
        '    entries: {',
        '      // the operator',
        '      // on call',
        '      ops: { name: "Ops" },',
        '      /* the writer */',
        '      writer: {',
        '        workspace: "/srv/writer", // its own',
        '      },',
        '    },',
        '    ownership: "explicit",',
        '  },',
        '}',
      ].join('\n'),
    );
  });

  it('agents.list ending with commented-out entries: the comments move to the end of the new map, in order, nothing lost', () => {
    const text = [
      '{',
      '  agents: {',
      '    list: [',
      '      { id: "main", name: "Main" },',
      '      { id: "qa", name: "QA" },',
      '      // { id: "scribe", name: "Scribe" },',
      '      /* { id: "engineer",',
      '         name: "Engineer" } */',
      '    ],',
      '  },',
      '}',
    ].join('\n');
    const [f] = of(runRules(observe(text)), 'retired-key');
    const after = applyPreferred(text, f!);
    assert.equal(
      after,
      [
        '{',
        '  agents: {',
        '    entries: {',
        '      main: { name: "Main" },',
        '      qa: { name: "QA" },',
        '      // { id: "scribe", name: "Scribe" },',
        '      /* { id: "engineer",',
        '         name: "Engineer" } */',
        '    },',
        '    ownership: "explicit",',
        '  },',
        '}',
      ].join('\n'),
    );
    // On one line, a trailing block comment goes to the end of the one-line map.
    const oneLine = '{\n  agents: { list: [{ id: "main" }, { id: "qa" } /* retired: { id: "old" } */] }\n}';
    assert.match(applyPreferred(oneLine, of(runRules(observe(oneLine)), 'retired-key')[0]!), /entries: \{ main: \{\}, qa: \{\} \/\* retired: \{ id: "old" \} \*\/ \}/);
  });

  it('agents.defaults.llm: in the schema up to 2026.4.25, stripped at read 2026.4.26–2026.4.29, rejected from 2026.5.2 (verified)', () => {
    const text = config({ window: 32768, compaction: good, rows: compactorRow, extraDefaults: '"llm": { "idleTimeoutSeconds": 120 }' });
    const [f, ...rest] = of(runRules(observe(text, { version: '2026.5.2' })), 'retired-key');
    assert.equal(rest.length, 0);
    assert.deepEqual([f!.path.join('.'), f!.severity], ['agents.defaults.llm', 'error']);
    assert.match(f!.message, /OpenClaw 2026\.5\.2 stopped stripping agents\.defaults\.llm.*Use models\.providers\.<id>\.timeoutSeconds instead/);
    assert.doesNotMatch(applyPreferred(text, f!), /"llm"/);
    const stripped = of(runRules(observe(text, { version: '2026.4.29' })), 'retired-key');
    assert.deepEqual(stripped.map((x) => [x.path.join('.'), x.severity]), [['agents.defaults.llm', 'warning']]);
    assert.match(stripped[0]!.message, /^llm has no effect: OpenClaw 2026\.4\.29 strips it at read\./);
    assert.equal(of(runRules(observe(text, { version: '2026.4.26' })), 'retired-key')[0]!.severity, 'warning');
    assert.deepEqual(of(runRules(observe(text, { version: '2026.4.25' })), 'retired-key'), [], 'last release whose schema has it');
    assert.equal(of(runRules(observe(text, { version: '2026.5.27' })), 'retired-key').length, 1, 'rejected by 2026.5.27 and 2026.7.35, not only from 2026.8');
    assert.equal(of(runRules(observe(text, { version: '2026.7.35' })), 'retired-key').length, 1);
  });

  it('the old contextPruning knobs and identifierPolicy "custom": valid on 2026.7.35, rejected from 2026.8.1 (verified)', () => {
    const knobs = '"contextPruning": { "mode": "cache-ttl", "keepLastAssistants": 3, "softTrimRatio": 0.3, "hardClearRatio": 0.5, "minPrunableToolChars": 50000, "softTrim": { "maxChars": 4000 } }';
    const text = config({ window: 32768, compaction: '{ "mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507", "identifierPolicy": "custom" }', rows: compactorRow, extraDefaults: knobs });
    const now = of(runRules(observe(text, { version: '2026.8.1' })), 'retired-key');
    assert.deepEqual(now.map((f) => [f.path.join('.'), f.severity]), [
      ['agents.defaults.compaction.identifierPolicy', 'error'],
      ['agents.defaults.contextPruning.keepLastAssistants', 'error'],
      ['agents.defaults.contextPruning.softTrimRatio', 'error'],
      ['agents.defaults.contextPruning.hardClearRatio', 'error'],
      ['agents.defaults.contextPruning.minPrunableToolChars', 'error'],
      ['agents.defaults.contextPruning.softTrim', 'error'],
    ]);
    assert.match(now[0]!.message, /identifierPolicy "custom": .*OpenClaw 2026\.8 removed identifierPolicy "custom".*Use identifierPolicy "strict" \(the default\) or "off" instead/);
    assert.match(now[1]!.message, /OpenClaw 2026\.8 retired the contextPruning tuning knob keepLastAssistants/);
    assert.doesNotMatch(applyPreferred(text, now[1]!), /keepLastAssistants/);
    assert.deepEqual(of(runRules(observe(text, { version: '2026.7.35' })), 'retired-key'), [], 'last release that accepts them (verified)');
    const current = config({ window: 32768, compaction: '{ "mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507", "identifierPolicy": "strict" }', rows: compactorRow, extraDefaults: '"contextPruning": { "mode": "cache-ttl", "ttl": "5m", "hardClear": { "enabled": true } }' });
    assert.deepEqual(of(runRules(observe(current)), 'retired-key'), [], 'mode, ttl, hardClear and identifierPolicy "strict" stay valid');
  });

  it('agents.entries before 2026.8 is an error that says to use agents.list or upgrade; from 2026.8.1 it is the roster (verified)', () => {
    const text = '{\n  "agents": {\n    "entries": { "main": {} }\n  }\n}';
    const [f, ...rest] = of(runRules(observe(text, { version: '2026.7.35' })), 'retired-key');
    assert.equal(rest.length, 0);
    assert.deepEqual([f!.path.join('.'), f!.severity], ['agents.entries', 'error']);
    assert.equal(text.slice(f!.span[0], f!.span[1]), '"entries"');
    assert.match(f!.message, /newer than OpenClaw 2026\.7\.35.*On 2026\.7\.35 write the agents\.list array.*or upgrade OpenClaw to 2026\.8 or later/);
    assert.deepEqual(of(runRules(observe(text, { version: '2026.8.1' })), 'retired-key'), []);
    assert.deepEqual(of(runRules(observe(text)), 'retired-key'), []);
    const list = '{\n  "agents": {\n    "list": [{ "id": "main" }]\n  }\n}';
    assert.deepEqual(of(runRules(observe(list, { version: '2026.7.35' })), 'retired-key'), [], 'agents.list is that release\'s roster');
  });

  it('system-prompt-override on every release that accepts it (2026.5.4–2026.5.27 drop AGENTS.md too); rejected from 2026.5.28', () => {
    const text = config({ window: 32768, compaction: good, rows: compactorRow, extraDefaults: '"systemPromptOverride": "You are..."' });
    assert.equal(of(runRules(observe(text, { version: '2026.4.20' })), 'system-prompt-override').length, 1);
    const late = of(runRules(observe(text, { version: '2026.5.27' })), 'system-prompt-override');
    assert.equal(late.length, 1);
    assert.match(late[0]!.message, /AGENTS\.md, SOUL\.md, USER\.md, TOOLS\.md and IDENTITY\.md are silently dropped/);
    assert.equal(of(runRules(observe(text, { version: '2026.5.4' })), 'system-prompt-override').length, 1);
    assert.equal(of(runRules(observe(text, { version: '2026.5.27' })), 'retired-key').length, 0);
    assert.equal(of(runRules(observe(text, { version: '2026.5.28' })), 'retired-key')[0]!.severity, 'error');
    assert.equal(of(runRules(observe(text, { version: '2026.5.28' })), 'system-prompt-override').length, 0, 'retired-key speaks for it there');
    assert.equal(of(runRules(observe(text, { version: '2026.9.6' })), 'retired-key')[0]!.severity, 'error');
  });

  it('compactor-context-fit: too small is an error, far too large is info, the validated 68K pair is fine', () => {
    const text = config({ window: 101000, tokens: 90000, compaction: good, rows: compactorRow });
    const at = (ctx: number) => of(runRules(observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 101000 }, { id: 'qwen3-4b-instruct-2507', ctx }]) } })), 'compactor-context-fit');
    assert.deepEqual(at(68000), []);
    assert.equal(at(16384)[0]!.severity, 'error');
    assert.equal(at(100000)[0]!.severity, 'info');
  });

  it('context-too-small: a window that cannot hold the first turn is an error', () => {
    const f = of(runRules(observe(config({ window: 16384, compaction: good, rows: compactorRow }))), 'context-too-small');
    assert.equal(f[0]!.severity, 'error');
    assert.match(f[0]!.message, /first turn/);
    assert.deepEqual(of(runRules(observe(config({ window: 32768, compaction: good, rows: compactorRow }))), 'context-too-small'), []);
  });

  it('model-not-loaded and memory-headroom', () => {
    const text = config({ window: 32768, compaction: good, rows: compactorRow });
    const f = of(runRules(observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen3-4b-instruct-2507', ctx: 68000 }], [{ key: 'qwen/qwen3-coder-30b' }, { key: 'qwen3-4b-instruct-2507' }]) } })), 'model-not-loaded');
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fixes[0]!.plan!.actions[0]!.kind, 'load');
    const big = observe(text, { memGiB: 16, runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768, size: 18.5e9 }]) } });
    assert.equal(of(runRules(big), 'memory-headroom').length, 1);
    const roomy = observe(text, { memGiB: 128, runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 32768, size: 18.5e9 }]) } });
    assert.equal(of(runRules(roomy), 'memory-headroom').length, 0);
  });

  it('a file that does not parse gets only its parse error, at its position', () => {
    const fs = runRules(observe('{\n  "models": {,\n}'));
    assert.deepEqual(fs.map((f) => [f.rule, f.range.start.line]), [['parse-error', 1]]);
  });
});

describe('compactionRoutes: which model summarizes each path, per release and mode (the reference table)', () => {
  const routes = (compaction: string, version: string) => {
    const obs = observe(config({ window: 32768, compaction, rows: compactorRow }), { version });
    return Object.fromEntries(compactionRoutes(obs.version, obs.model.compaction, obs.model.refs.find((r) => r.role === 'primary')).map((r) => [r.path, r.summarizer ?? 'off']));
  };
  const withC = (extra: string) => `{ "model": "lmstudio/qwen3-4b-instruct-2507"${extra} }`;
  it('mode "default": the threshold on the primary on both releases; the first overflow on the primary on 2026.5.28 only', () => {
    assert.deepEqual(routes(withC(', "mode": "default"'), '2026.9.6'), { threshold: 'primary', overflow: 'compactor', midTurnPrecheck: 'off', betweenTurns: 'compactor', manual: 'compactor' });
    assert.deepEqual(routes(withC(', "mode": "default"'), '2026.5.28'), { threshold: 'primary', overflow: 'primary', midTurnPrecheck: 'off', betweenTurns: 'compactor', manual: 'compactor' });
    assert.deepEqual(routes(withC(', "mode": "default", "enabled": false'), '2026.9.6').threshold, 'off', '9.x: compaction.enabled false stops the session engine');
  });
  it('safeguard (or unset): no session threshold; every path that runs on the compactor; on 2026.9 the flush turn on the primary until memoryFlush.model', () => {
    const obs = observe(config({ window: 32768, compaction: withC(''), rows: compactorRow }));
    const r = compactionRoutes(obs.version, obs.model.compaction, obs.model.refs.find((x) => x.role === 'primary'));
    assert.deepEqual(routes(withC(''), '2026.9.6'), { threshold: 'off', overflow: 'compactor', midTurnPrecheck: 'off', betweenTurns: 'compactor', manual: 'compactor' });
    assert.equal(r.find((x) => x.path === 'betweenTurns')!.flush, 'primary');
    assert.equal(allOnCompactor(r), false);
    const flushed = observe(config({ window: 32768, compaction: withC(', "memoryFlush": { "model": "lmstudio/qwen3-4b-instruct-2507" }, "midTurnPrecheck": { "enabled": true }'), rows: compactorRow }));
    assert.equal(allOnCompactor(compactionRoutes(flushed.version, flushed.model.compaction, flushed.model.refs.find((x) => x.role === 'primary'))), true);
    const old = observe(config({ window: 32768, compaction: withC(''), rows: compactorRow }), { version: '2026.5.28' });
    assert.equal(allOnCompactor(compactionRoutes(old.version, old.model.compaction, old.model.refs.find((x) => x.role === 'primary'))), true, '2026.5.28 has no flush turn before a between-turn compaction');
  });
  it('without compaction.model every path that runs summarizes with the primary', () => {
    assert.deepEqual(routes('{ "mode": "safeguard", "midTurnPrecheck": { "enabled": true } }', '2026.9.6'), { threshold: 'off', overflow: 'primary', midTurnPrecheck: 'primary', betweenTurns: 'primary', manual: 'primary' });
  });
});
