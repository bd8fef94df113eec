import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { buildModel } from '../../src/core/openclaw/model.js';
import { resolveAll } from '../../src/core/profiles/resolve.js';
import type { ProfileTarget } from '../../src/core/profiles/types.js';
import { dryRunJson, judge, parseKnobs, planArm, planVariants, sweepCells, sweepMarkdown, SweepUsageError, SWEEP_KNOBS } from '../../src/core/lab/experiments/sweep.js';
import { runSweep, sweepRecord, sweepRows, type Arm } from '../../src/core/lab/experiments/sweepRun.js';
import { restoreActions, type Snapshot } from '../../src/core/lab/borrow.js';
import type { CheckedFile } from '../../src/core/sources.js';
import type { Observation } from '../../src/core/observation.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DispatchRecord, Session } from '../../src/core/lab/records/store.js';
import type { ServerState } from '../../src/core/servers/types.js';
import { sweepComparison } from '../../src/core/lab/view/sweepView.js';
import { config, lmstudio, observe } from '../support/observe.js';

const SERVER = () =>
  lmstudio(
    [
      { id: 'qwen/qwen3-coder-30b', ctx: 101000, max: 262144, size: 18e9 },
      { id: 'qwen3-4b-instruct-2507', ctx: 68000, max: 262144, size: 2.5e9 },
    ],
    [
      { key: 'qwen/qwen3-coder-30b', params: '30B-A3B', max: 262144, name: 'Qwen3 Coder 30B' },
      { key: 'qwen3-4b-instruct-2507', params: '4B', max: 262144, name: 'Qwen3 4B' },
    ],
  );

const TEXT = config({ window: 101000, tokens: 90000, compaction: '{ "mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507", "recentTurnsPreserve": 5, "keepRecentTokens": 8000 }', rows: '{ "id": "qwen3-4b-instruct-2507", "name": "C", "contextWindow": 68000 }' });

function setup(version = '2026.9.6', text = TEXT) {
  const obs = observe(text, { version, runtimes: { lmstudio: SERVER() }, memGiB: 128 });
  const base: ProfileTarget = {
    ...resolveAll(obs, [{ name: 'tuned', primary: { context: 101000 }, budget: 90000, compactor: { model: 'lmstudio/qwen3-4b-instruct-2507', context: 68000 }, compaction: { mode: 'default', recentTurnsPreserve: 5, keepRecentTokens: 8000 } }]).targets.find((t) => t.name === 'tuned')!,
  };
  return { obs, base };
}

const rec = (i: number, seconds: number, o: Partial<DispatchRecord> = {}): DispatchRecord => ({
  schemaVersion: 1,
  index: i,
  startedAt: '2026-12-01T00:00:00Z',
  wallMs: seconds * 1000,
  expectationsMet: true,
  completed: true,
  stopReason: 'stop',
  outputSha256: 'x',
  outputFile: `outputs/${i}.txt`,
  ...o,
});
const arm = (secs: number[], o: (i: number) => Partial<DispatchRecord> = () => ({})) => secs.map((s, i) => rec(i, s, o(i)));

describe('isolation sweep: variant planning', () => {
  it('one variant per knob, each pulling exactly that knob toward the release default', () => {
    const { obs, base } = setup();
    const plan = planVariants(base, obs);
    assert.deepEqual(
      plan.variants.map((v) => [v.knob, v.from, v.to]),
      [
        ['primaryContext', 101000, 262144],
        ['budget', 90000, 101000],
        ['compactor', 'lmstudio/qwen3-4b-instruct-2507', null],
        ['compactorContext', 68000, 262144],
        ['mode', 'default', 'safeguard'],
        ['recentTurnsPreserve', 5, 3],
        ['keepRecentTokens', 8000, 20000],
      ],
    );
    assert.deepEqual(plan.skipped, []);
    // Exactly one knob differs from the base in each variant's target.
    for (const v of plan.variants) {
      const keys = ['primary', 'budget', 'compactor', 'mode', 'recentTurnsPreserve', 'keepRecentTokens'] as const;
      const changed = keys.filter((k) => JSON.stringify(v.target[k]) !== JSON.stringify(base[k]));
      assert.equal(changed.length, 1, `${v.name}: ${changed.join(', ')}`);
    }
    assert.equal(new Set(plan.variants.map((v) => v.name)).size, plan.variants.length);
    assert.deepEqual(Object.keys(dryRunJson(plan, '2026.9.6').variants[0]!), ['name', 'knob', 'from', 'to']);
  });

  it('a compaction knob pulled to the default is removed from the config (OpenClaw then applies its own), everything else stays', () => {
    const { obs, base } = setup();
    const plan = planVariants(base, obs, ['mode']);
    const armPlan = planArm(plan.variants[0]!.target, obs, plan.variants[0]!.unset);
    const c = buildModel(parseDocument('/tmp/x.json', armPlan.after).root).compaction;
    assert.equal(c.mode, undefined);
    assert.equal(c.keepRecentTokens, 8000);
    assert.equal(c.model?.ref, 'lmstudio/qwen3-4b-instruct-2507');
    assert.match(armPlan.configChanges.at(-1)!, /remove compaction\.mode/);
    // Removing the compactor is the planner's own edit.
    const off = planVariants(base, obs, ['compactor']).variants[0]!;
    assert.equal(buildModel(parseDocument('/tmp/x.json', planArm(off.target, obs).after).root).compaction.model, undefined);
  });

  it('a knob already at the default, or unknown here, is skipped with the reason; --knobs picks and orders', () => {
    const text = config({ window: 101000, tokens: 90000, compaction: '{ "mode": "safeguard" }' });
    const obs = observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 101000 }]) }, memGiB: 128 });
    const base = resolveAll(obs, [{ name: 'b', primary: { context: 101000 }, budget: 101000, compactor: null }]).targets.find((t) => t.name === 'b')!;
    const plan = planVariants(base, obs, ['keepRecentTokens', 'mode', 'budget', 'primaryContext', 'compactor']);
    assert.deepEqual(plan.variants, []);
    assert.deepEqual(plan.skipped.map((s) => s.knob), ['keepRecentTokens', 'mode', 'budget', 'primaryContext', 'compactor']);
    assert.match(plan.skipped.find((s) => s.knob === 'mode')!.reason, /release default \(safeguard\)/);
    assert.match(plan.skipped.find((s) => s.knob === 'primaryContext')!.reason, /unknown/);
    assert.deepEqual(parseKnobs('mode, budget,mode'), ['mode', 'budget']);
    assert.equal(parseKnobs(undefined), undefined);
    assert.throws(() => parseKnobs('mode,reserveTokensFloor'), SweepUsageError);
    assert.equal(SWEEP_KNOBS.length, 7);
  });

  it('per release: before 2026.8 the budget variant goes to agents.defaults.contextTokens (the planner knows where)', () => {
    const { obs, base } = setup('2026.5.28', config({ window: 101000, compaction: '{ "mode": "default" }', extraDefaults: '"contextTokens": 90000' }));
    const v = planVariants(base, obs, ['budget']).variants[0]!;
    const after = planArm(v.target, obs).after;
    assert.match(after, /"contextTokens": 101000/);
    assert.doesNotMatch(after, /"contextTokens": 90000/);
  });
});

describe('isolation sweep: the compactor comparison (--knobs compactor)', () => {
  const compaction = (text: string) => buildModel(parseDocument('/tmp/x.json', text).root).compaction;

  it('from a base with a compactor in "default": no compactor and the compactor, in "default" and in "safeguard", less the base\'s own cell', () => {
    const { obs, base } = setup();
    const plan = planVariants(base, obs, ['compactor'], { compactorGrid: true });
    assert.equal(plan.baseArm, 'compactor:qwen3-4b-instruct-2507@default');
    assert.deepEqual(
      plan.variants.map((v) => [v.name, v.knob, v.from, v.to]),
      [
        ['compactor:none@default', 'compactor', 'lmstudio/qwen3-4b-instruct-2507@default', 'none@default'],
        ['compactor:none@safeguard', 'compactor', 'lmstudio/qwen3-4b-instruct-2507@default', 'none@safeguard'],
        ['compactor:qwen3-4b-instruct-2507@safeguard', 'compactor', 'lmstudio/qwen3-4b-instruct-2507@default', 'lmstudio/qwen3-4b-instruct-2507@safeguard'],
      ],
    );
    assert.deepEqual(plan.skipped, []);
    // The compactor keeps its 68,000: it fits the largest summary request (40 % of the 90,000 budget) without waste.
    assert.equal(plan.variants[2]!.target.compactor?.context.value, 68000);
    // Each arm's config: the mode written, the compactor (and on 2026.9 the memory flush with it) set or removed.
    const texts = plan.variants.map((v) => planArm(v.target, obs, v.unset).after);
    const after = texts.map(compaction);
    assert.deepEqual(
      after.map((c) => [c.mode, c.model?.ref ?? null, c.memoryFlushModel?.ref ?? null]),
      [
        ['default', null, null],
        ['safeguard', null, null],
        ['safeguard', 'lmstudio/qwen3-4b-instruct-2507', 'lmstudio/qwen3-4b-instruct-2507'],
      ],
    );
    // Every other knob stays the base's.
    for (const t of texts) assert.match(t, /"recentTurnsPreserve": 5, "keepRecentTokens": 8000/);
    const dry = dryRunJson(plan, '2026.9.6');
    assert.deepEqual(Object.keys(dry), ['base', 'openclawVersion', 'baseArm', 'variants', 'skipped']);
    assert.deepEqual(dry.variants.map((v) => v.name), plan.variants.map((v) => v.name));
    // The table reads as the comparison: the base's cell → each other cell.
    assert.deepEqual(sweepCells({ name: plan.variants[1]!.name, knob: 'compactor', from: plan.variants[1]!.from, to: plan.variants[1]!.to, figures: { n: 0, medianSeconds: null, completion: { value: 0, low: 0, high: 0 }, slowRate: null, compactions: 0, tokensInMedian: null } }).slice(0, 2), ['compactor', 'lmstudio/qwen3-4b-instruct-2507@default → none@safeguard']);
  });

  it('from a base without a compactor (mode unset, so "safeguard"): the small instruct model the server has, at 1.5 × the summary request', () => {
    const text = config({ window: 101000, tokens: 90000 });
    const obs = observe(text, { runtimes: { lmstudio: SERVER() }, memGiB: 128 });
    const base = resolveAll(obs, [{ name: 'bare', primary: { context: 101000 }, budget: 90000, compactor: null }]).targets.find((t) => t.name === 'bare')!;
    const plan = planVariants(base, obs, ['compactor'], { compactorGrid: true });
    assert.equal(plan.baseArm, 'compactor:none@safeguard');
    assert.deepEqual(plan.variants.map((v) => v.name), ['compactor:qwen3-4b-instruct-2507@safeguard', 'compactor:none@default', 'compactor:qwen3-4b-instruct-2507@default']);
    // 40 % of 90,000 is 36,000; 1.5 × that, rounded up to 1,024: 54,272.
    assert.equal(plan.variants[0]!.target.compactor?.context.value, 54272);
    const armText = planArm(plan.variants[0]!.target, obs).after;
    const c = compaction(armText);
    assert.deepEqual([c.mode, c.model?.ref, c.memoryFlushModel?.ref], ['safeguard', 'lmstudio/qwen3-4b-instruct-2507', 'lmstudio/qwen3-4b-instruct-2507']);
    assert.match(armText, /"id": "qwen3-4b-instruct-2507"[^}]*"contextWindow": 54272/);
    // On 2026.5.28 (no pre-turn flush) no memoryFlush.model is written.
    const old = observe(text, { version: '2026.5.28', runtimes: { lmstudio: SERVER() }, memGiB: 128 });
    const oldPlan = planVariants(resolveAll(old, [{ name: 'bare', primary: { context: 101000 }, budget: 90000, compactor: null }]).targets.find((t) => t.name === 'bare')!, old, ['compactor'], { compactorGrid: true });
    assert.equal(compaction(planArm(oldPlan.variants[0]!.target, old).after).memoryFlushModel, undefined);
  });

  it('no compactor in the base and no small model on the server: only the other mode without one, and the reason', () => {
    const text = config({ window: 101000, tokens: 90000, compaction: '{ "mode": "default" }' });
    const obs = observe(text, { runtimes: { lmstudio: lmstudio([{ id: 'qwen/qwen3-coder-30b', ctx: 101000 }]) }, memGiB: 128 });
    const base = resolveAll(obs, [{ name: 'b', primary: { context: 101000 }, budget: 90000, compactor: null }]).targets.find((t) => t.name === 'b')!;
    const plan = planVariants(base, obs, ['compactor'], { compactorGrid: true });
    assert.equal(plan.baseArm, 'compactor:none@default');
    assert.deepEqual(plan.variants.map((v) => v.name), ['compactor:none@safeguard']);
    assert.match(plan.skipped[0]!.reason, /no small model to try as the compactor/);
  });

  it('removing a compactor also removes the memory-flush model that named it (the primary then does both)', () => {
    const text = config({ window: 101000, tokens: 90000, compaction: '{ "model": "lmstudio/qwen3-4b-instruct-2507", "memoryFlush": { "model": "lmstudio/qwen3-4b-instruct-2507" } }', rows: '{ "id": "qwen3-4b-instruct-2507", "name": "C", "contextWindow": 68000 }' });
    const obs = observe(text, { runtimes: { lmstudio: SERVER() }, memGiB: 128 });
    const base = resolveAll(obs, [{ name: 'b', primary: { context: 101000 }, budget: 90000 }]).targets.find((t) => t.name === 'b')!;
    const off = planVariants(base, obs, ['compactor']).variants[0]!;
    assert.equal(off.name, 'compactor=none', 'without the option: the one variant of the full sweep');
    const p = planArm(off.target, obs);
    assert.deepEqual([compaction(p.after).model, compaction(p.after).memoryFlushModel], [undefined, undefined]);
    assert.match(p.configChanges.join('\n'), /remove compaction\.memoryFlush\.model/);
  });
});

describe('isolation sweep: verdicts', () => {
  const base = arm([10, 11, 10, 12, 11, 10]);
  it('additive: clearly faster with completion held', () => {
    const j = judge(base, arm([6, 6.5, 6, 7, 6.2, 6.1]));
    assert.equal(j.verdict, 'additive');
    assert.ok(j.deltaMedian!.high < 0);
  });
  it('additive: as fast but fewer compactions', () => {
    const b = arm([10, 11, 10, 12, 11, 10], () => ({ compactions: 1 }));
    assert.equal(judge(b, arm([10, 11, 10, 12, 11, 10])).verdict, 'additive');
  });
  it('coupled: completion broke (two more of six without a stop reason), however fast', () => {
    const v = arm([3, 3, 3, 3, 3, 3], (i) => (i < 2 ? { completed: false, stopReason: null } : {}));
    const j = judge(base, v);
    assert.equal(j.verdict, 'coupled');
    assert.match(j.note!, /100 % → 67 %/);
  });
  it('#27 item 18: with one or two dispatches per arm nothing is judged: not enough dispatches, with the raw differences', () => {
    for (const n of [1, 2]) {
      const j = judge(arm([10, 10.01].slice(0, n)), arm([9.99, 10].slice(0, n)));
      assert.equal(j.verdict, 'no clear effect', `n = ${n}`);
      assert.match(j.note!, new RegExp(`not enough dispatches to judge \\(n = ${n} and ${n}; from 3 per arm\\): raw differences median −0\\.01 s, completion 100 % → 100 %`));
    }
    const broke = judge(arm([10]), arm([3], () => ({ completed: false, stopReason: null })));
    assert.equal(broke.verdict, 'no clear effect', 'not coupled either on one dispatch');
    assert.match(broke.note!, /completion 100 % → 0 %/);
  });
  it('one flaky dispatch is not coupling; no clear effect when the interval includes 0; slower says the base value helps', () => {
    const one = arm([10, 11, 10, 12, 11, 10], (i) => (i === 0 ? { completed: false, errorKind: 'timeout' } : {}));
    assert.equal(judge(base, one).verdict, 'no clear effect');
    const slow = judge(base, arm([20, 21, 22, 20, 21, 23]));
    assert.equal(slow.verdict, 'no clear effect');
    assert.match(slow.note!, /base's value helps/);
  });
});

/** A sweep whose looks, applies, sessions and restore are the test's: the order the driver keeps is what is checked. */
function sweepOptions(
  obs: Observation,
  plan: ReturnType<typeof planVariants>,
  signal: AbortSignal,
  f: { apply: (a: Arm) => Promise<{ ok: boolean; error?: string; steps: string[] }>; run: (a: Arm) => Promise<{ session: Session; dispatches: DispatchRecord[] }>; restore: () => Promise<{ ok: boolean; configRestored: boolean; steps: string[] }> },
) {
  const first = { observation: obs, version: { version: obs.version, known: true, source: 'given' } } as unknown as CheckedFile;
  let current: Arm = { name: 'base' };
  return {
    env: { configPath: 'unused', openclaw: 'unused' },
    first,
    plan,
    workload: { name: 'quick-check' } as never,
    prompt: 'p',
    n: 3,
    root: fs.mkdtempSync(path.join(os.tmpdir(), 'lal-sweep-')),
    cwd: os.tmpdir(),
    signal,
    deps: {
      look: async () => first,
      borrow: () => ({ profileBefore: null, apply: async () => f.apply(current), restore: f.restore }),
    },
    runArm: async (a: Arm) => f.run(a),
    report: { arm: (name: string) => (current = name === 'base' ? { name } : { name, variant: plan.variants.find((v) => v.name === name)! }) },
  };
}

describe('isolation sweep: the run restores what was in force', () => {
  const session = (id: string, status: Session['status'] = 'complete') => ({ id, status }) as Session;

  it('restores after success, after a failed variant, after cancel, and after a throw', async () => {
    const { obs, base } = setup();
    const plan = planVariants(base, obs, ['mode', 'budget']);
    for (const scenario of ['ok', 'variant-fails', 'cancel', 'throw'] as const) {
      const abort = new AbortController();
      const order: string[] = [];
      const { outcome: out } = await runSweep(
        sweepOptions(obs, plan, abort.signal, {
          apply: async (a: Arm) => {
            order.push(`apply ${a.name}`);
            return scenario === 'variant-fails' && a.variant?.knob === 'mode' ? { ok: false, error: 'LM Studio did not load', steps: [] } : { ok: true, steps: [] };
          },
          run: async (a: Arm) => {
            order.push(`run ${a.name}`);
            if (scenario === 'throw' && a.variant) throw new Error('boom');
            if (scenario === 'cancel' && a.variant) {
              abort.abort();
              return { session: session(a.name, 'cancelled'), dispatches: [] };
            }
            return { session: session(a.name), dispatches: arm([1, 1, 1]) };
          },
          restore: async () => {
            order.push('restore');
            return { ok: true, configRestored: true, steps: [] };
          },
        }),
      );
      assert.equal(order.at(-1), 'restore', scenario);
      assert.equal(order.filter((x) => x === 'restore').length, 1, scenario);
      assert.equal(out.status, { ok: 'complete', 'variant-fails': 'complete', cancel: 'cancelled', throw: 'failed' }[scenario]);
      const rows = sweepRows(plan, out);
      assert.equal(rows[0]!.knob, null, 'base first');
      if (scenario === 'variant-fails') {
        assert.equal(rows[1]!.error, 'LM Studio did not load');
        assert.equal(sweepCells(rows[1]!).at(-1), '—');
        assert.ok(rows[2]!.judgement);
      }
    }
  });

  it('a base that does not apply ends the sweep (and still restores)', async () => {
    const { obs, base } = setup();
    const plan = planVariants(base, obs, ['mode']);
    let restored = 0;
    const { outcome: out } = await runSweep(sweepOptions(obs, plan, new AbortController().signal, { apply: async () => ({ ok: false, error: 'nope', steps: [] }), run: async () => assert.fail('no run'), restore: async () => (restored++, { ok: true, configRestored: false, steps: [] }) }));
    assert.equal(out.status, 'failed');
    assert.equal(restored, 1);
  });

  it('restoreActions reloads changed contexts, reloads what went, unloads only what the sweep loaded', () => {
    const before: Snapshot['loaded'] = new Map([['lmstudio', { baseUrl: 'http://h:1234/v1', models: [{ identifier: 'coder', modelKey: 'coder', context: 101000 }, { identifier: 'small', modelKey: 'small', context: 68000 }] }]]);
    const now = new Map<string, ServerState>([
      ['lmstudio', { baseUrl: 'http://h:1234/v1', status: 'ok', kind: 'lmstudio', via: 't', loaded: [{ identifier: 'coder', modelKey: 'coder', loadedContextLength: 262144 }, { identifier: 'big', modelKey: 'big', loadedContextLength: 1 }, { identifier: 'mine', modelKey: 'mine', loadedContextLength: 1 }] }],
    ]);
    const actions = restoreActions(before, now, new Set(['big', 'coder']));
    assert.deepEqual(
      actions.map((a) => (a.kind === 'load' ? `load ${a.modelKey}@${a.contextLength}` : a.kind === 'unload' ? `unload ${a.identifier}` : a.text)),
      ['unload coder', 'unload big', 'load coder@101000', 'load small@68000'],
    );
  });

  it('the table and the record: base first, a verdict per variant', () => {
    const { obs, base } = setup();
    const plan = planVariants(base, obs, ['mode', 'compactor']);
    const arms = [
      { arm: { name: 'base' }, session: session('s0'), dispatches: arm([10, 11, 10, 12, 11, 10]) },
      { arm: { name: plan.variants[0]!.name, variant: plan.variants[0]! }, session: session('s1'), dispatches: arm([5, 5, 6, 5, 5, 6]) },
      { arm: { name: plan.variants[1]!.name, variant: plan.variants[1]! }, session: session('s2'), dispatches: arm([10, 11, 10, 12, 11, 10], (i) => (i < 3 ? { completed: false } : {})) },
    ];
    const md = sweepMarkdown(sweepRows(plan, { arms }));
    assert.match(md, /^\| Variable \| base → variant \| Δ median/);
    assert.match(md, /\| mode \| default → safeguard \| −5\.\d\d .*\| additive \|/);
    assert.match(md, /\| compactor \| lmstudio\/qwen3-4b-instruct-2507 → none \|.*\| coupled \|/);
    const r = sweepRecord('sw1', 'quick-check', plan, '2026.9.6', 6, 't', 'complete', arms);
    assert.deepEqual(r.arms.map((a) => [a.name, a.session, a.verdict]), [
      ['base', 's0', null],
      ['mode=safeguard', 's1', 'additive'],
      ['compactor=none', 's2', 'coupled'],
    ]);
  });

  it('the panel view-model: one grouped comparison, base first, a verdict per variant, variants that did not run named', () => {
    const { obs, base } = setup();
    const plan = planVariants(base, obs, ['mode', 'compactor', 'budget']);
    const arms = [
      { arm: { name: 'base' }, session: session('s0'), dispatches: arm([10, 11, 10, 12, 11, 10]) },
      { arm: { name: plan.variants[0]!.name, variant: plan.variants[0]! }, session: session('s1'), dispatches: arm([5, 5, 6, 5, 5, 6]) },
      { arm: { name: plan.variants[1]!.name, variant: plan.variants[1]! }, dispatches: [], error: 'LM Studio did not load' },
    ];
    const record = sweepRecord('sw1', 'quick-check', plan, '2026.9.6', 6, 't', 'cancelled', arms);
    const byId = new Map(arms.flatMap((a) => (a.session ? [[a.session.id, a.dispatches] as const] : [])));
    const c = sweepComparison(record, (id) => byId.get(id) ?? []);
    assert.deepEqual(c.sessionIds, ['s0', 's1']);
    assert.deepEqual(c.labels, ['base · tuned', 'mode=safeguard']);
    assert.match(c.title, /Sweep from tuned: quick-check ×6 \(cancelled\)/);
    assert.deepEqual(c.differences.map((d) => d.label), ['base', 'mode=safeguard (default → safeguard)', 'compactor=none (lmstudio/qwen3-4b-instruct-2507 → none)', 'budget=101000 (90000 → 101000)']);
    assert.match(c.differences[1]!.value, /^additive · Δ median −5\.\d\d/);
    assert.equal(c.differences[2]!.value, 'not run: LM Studio did not load');
    assert.equal(c.differences[3]!.value, 'not run: the sweep stopped first');
  });
});
