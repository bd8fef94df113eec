import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runExperiment, type ArmSpec, type Borrower } from '../../src/core/lab/experiments/driver.js';
import type { ProfilePlan } from '../../src/core/profiles/plan.js';
import type { CheckedFile } from '../../src/core/sources.js';

/** Looks, plans and the borrow are the test's; the order the driver keeps and what it reports is what is checked. */
function harness(o: { applyFails?: string[]; blocked?: string[] } = {}) {
  const order: string[] = [];
  let looks = 0;
  const look = async () => ({ n: ++looks }) as unknown as CheckedFile;
  const plan = (name: string) => (now: CheckedFile) => {
    order.push(`plan ${name} from look ${(now as unknown as { n: number }).n}`);
    return { profile: { name }, blocked: o.blocked?.includes(name) ? `${name} is blocked` : undefined } as unknown as ProfilePlan;
  };
  const borrow: Borrower = {
    profileBefore: 'before',
    apply: async (p) => {
      order.push(`apply ${p.profile.name}`);
      return o.applyFails?.includes(p.profile.name) ? { ok: false, error: 'LM Studio said no', steps: [] } : { ok: true, steps: [] };
    },
    restore: async () => {
      order.push('restore');
      return { ok: true, configRestored: true, steps: [] };
    },
  };
  let borrows = 0;
  const deps = { look, borrow: () => (borrows++, borrow) };
  return { order, plan, deps, borrows: () => borrows };
}

const env = { configPath: 'unused', openclaw: 'unused' };

describe('experiment driver', () => {
  it('applies each arm from a fresh look, runs it, and restores once at the end', async () => {
    const h = harness();
    const arms: ArmSpec[] = [{ name: 'a', plan: h.plan('a'), required: true }, { name: 'b', plan: h.plan('b') }];
    const out = await runExperiment({ env, arms, what: 'the test', signal: new AbortController().signal, deps: h.deps, run: async (arm) => (h.order.push(`run ${arm.name}`), arm.name) });
    assert.equal(out.status, 'complete');
    assert.deepEqual(h.order, ['plan a from look 1', 'apply a', 'run a', 'plan b from look 2', 'apply b', 'run b', 'restore']);
    assert.deepEqual(out.arms.map((a) => a.result), ['a', 'b']);
    assert.equal(h.borrows(), 1, 'the state from before is taken once');
    assert.equal(out.restore?.ok, true);
  });

  it('a required arm that does not apply ends it; an optional one is skipped; both restore', async () => {
    const h = harness({ applyFails: ['a'] });
    const out = await runExperiment({ env, arms: [{ name: 'a', plan: h.plan('a'), required: true }, { name: 'b', plan: h.plan('b') }], what: 'the test', signal: new AbortController().signal, deps: h.deps, run: async () => assert.fail('no run') });
    assert.equal(out.status, 'failed');
    assert.match(out.error!, /a did not apply: LM Studio said no/);
    assert.equal(h.order.at(-1), 'restore');
    const h2 = harness({ blocked: ['b'] });
    const out2 = await runExperiment({ env, arms: [{ name: 'a', plan: h2.plan('a'), required: true }, { name: 'b', plan: h2.plan('b') }, { name: 'c', plan: h2.plan('c') }], what: 'the test', signal: new AbortController().signal, deps: h2.deps, run: async (arm) => arm.name });
    assert.equal(out2.status, 'complete');
    assert.deepEqual(out2.arms.map((a) => [a.arm.name, a.result ?? a.error]), [['a', 'a'], ['b', 'b is blocked'], ['c', 'c']]);
    assert.equal(h2.order.filter((x) => x === 'restore').length, 1);
  });

  it('cancel, a throw and a declined plan all restore; keep leaves the last arm in force; no plan borrows nothing', async () => {
    const abort = new AbortController();
    const h = harness();
    const cancelled = await runExperiment({ env, arms: [{ name: 'a', plan: h.plan('a') }, { name: 'b', plan: h.plan('b') }], what: 't', signal: abort.signal, deps: h.deps, run: async () => abort.abort() });
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(h.order, ['plan a from look 1', 'apply a', 'restore']);

    const h2 = harness();
    const thrown = await runExperiment({ env, arms: [{ name: 'a', plan: h2.plan('a') }], what: 't', signal: new AbortController().signal, deps: h2.deps, run: async () => { throw new Error('boom'); } });
    assert.deepEqual([thrown.status, thrown.error, h2.order.at(-1)], ['failed', 'boom', 'restore']);

    const h3 = harness();
    const declined = await runExperiment({ env, arms: [{ name: 'a', plan: h3.plan('a') }, { name: 'b', plan: h3.plan('b') }], what: 't', signal: new AbortController().signal, deps: h3.deps, confirm: async (p) => p.profile.name === 'a', run: async (arm) => arm.name });
    assert.equal(declined.status, 'cancelled');
    assert.deepEqual(h3.order, ['plan a from look 1', 'apply a', 'plan b from look 2', 'restore']);

    const h4 = harness();
    const kept = await runExperiment({ env, arms: [{ name: 'a', plan: h4.plan('a') }], what: 't', keep: true, signal: new AbortController().signal, deps: h4.deps, run: async () => 1 });
    assert.equal(kept.restore, undefined);
    assert.ok(!h4.order.includes('restore'));

    const h5 = harness();
    const plain = await runExperiment({ env, arms: [{ name: 'as is' }], what: 't', signal: new AbortController().signal, deps: h5.deps, run: async () => 1 });
    assert.deepEqual([plain.status, plain.restore, h5.borrows()], ['complete', undefined, 0]);
  });

  it('checks the config once on the first look before any arm is asked about or applied (#29 item 4)', async () => {
    const h = harness();
    let asked = 0;
    const rejected = new Error('OpenClaw rejects openclaw.json');
    const out = await runExperiment({
      env,
      arms: [{ name: 'a', plan: h.plan('a'), required: true }],
      what: 't',
      signal: new AbortController().signal,
      deps: h.deps,
      accepts: async () => {
        h.order.push('accepts');
        throw rejected;
      },
      confirm: async () => (asked++, true),
      run: async () => assert.fail('no run'),
    });
    assert.equal(out.status, 'failed');
    assert.equal(out.cause, rejected);
    assert.deepEqual(h.order, ['accepts'], 'nothing planned, applied or restored');
    assert.equal(asked, 0, 'no question asked');
    assert.equal(h.borrows(), 0);
    const ok = harness();
    const fine = await runExperiment({ env, arms: [{ name: 'a', plan: ok.plan('a') }], what: 't', signal: new AbortController().signal, deps: ok.deps, accepts: async () => void ok.order.push('accepts'), run: async () => 1 });
    assert.equal(fine.status, 'complete');
    assert.deepEqual(ok.order, ['accepts', 'plan a from look 1', 'apply a', 'restore'], 'the look it judged is the one the first arm is planned from');
  });
});
