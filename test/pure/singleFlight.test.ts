import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SingleFlight } from '../../src/vscode/singleFlight.js';

type Opts = { inspect?: boolean; validate?: boolean };
const union = (a: Opts, b: Opts): Opts => ({ inspect: a.inspect || b.inspect, validate: a.validate || b.validate });

/** A run per call, each finishing when the test says. */
function harness() {
  const runs: { opts: Opts; finish: (err?: Error) => void; done: boolean }[] = [];
  const errors: unknown[] = [];
  const flight = new SingleFlight<Opts>(
    (opts) =>
      new Promise<void>((resolve, reject) => {
        const r = { opts, done: false, finish: (err?: Error) => ((r.done = true), err ? reject(err) : resolve()) };
        runs.push(r);
      }),
    union,
    (err) => errors.push(err),
  );
  return { flight, runs, errors };
}
const tick = () => new Promise((r) => setImmediate(r));

describe("the editor's refresh: single flight", () => {
  it('an idle request runs at once and resolves when its run ends', async () => {
    const { flight, runs } = harness();
    let resolved = false;
    const p = flight.request({ inspect: true }).then(() => (resolved = true));
    await tick();
    assert.deepEqual(runs.map((r) => r.opts), [{ inspect: true }]);
    assert.equal(resolved, false);
    runs[0]!.finish();
    await p;
  });

  it('requests during a run wait for one queued run with the union of what they asked, not for the run under way', async () => {
    const { flight, runs } = harness();
    void flight.request({});
    await tick();
    const order: string[] = [];
    const a = flight.request({ inspect: true }).then(() => order.push('a'));
    const b = flight.request({ validate: true }).then(() => order.push('b'));
    runs[0]!.finish();
    await tick();
    assert.deepEqual(order, [], 'the run that was under way did not cover them');
    assert.deepEqual(runs.map((r) => r.opts), [{}, { inspect: true, validate: true }], 'one more run, with both');
    runs[1]!.finish();
    await Promise.all([a, b]);
    assert.deepEqual(order, ['a', 'b']);
    assert.equal(runs.length, 2);
  });

  it('a failed run is reported, its callers go on, and the next request runs', async () => {
    const { flight, runs, errors } = harness();
    const p = flight.request({});
    await tick();
    runs[0]!.finish(new Error('unreadable'));
    await p;
    assert.deepEqual(errors.map((e) => (e as Error).message), ['unreadable']);
    const q = flight.request({ validate: true });
    await tick();
    runs[1]!.finish();
    await q;
    assert.deepEqual(runs.map((r) => r.opts), [{}, { validate: true }]);
  });
});
