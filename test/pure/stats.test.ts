import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bootstrapMedianDifference, classify, summarize, wilson } from '../../src/core/lab/stats.js';

describe('fast/slow split', () => {
  it('splits the operators\' table: 198, 197, 276, 218 fast; 606, 939 slow', () => {
    const c = classify([198, 606, 197, 276, 218, 939]);
    assert.equal(c.split, true);
    assert.deepEqual(c.fast.sort((a, b) => a - b), [197, 198, 218, 276]);
    assert.deepEqual(c.slow.sort((a, b) => a - b), [606, 939]);
    assert.equal(c.slowCluster!.mean, 772.5);
    assert.ok(Math.abs(c.slowRate!.value - 1 / 3) < 1e-9);
    assert.ok(c.slowRate!.low < 1 / 3 && c.slowRate!.high > 1 / 3);
  });

  it('does not split a tight unimodal set, equal values, an evenly spread set, or a lone slow outlier', () => {
    assert.equal(classify([200, 210, 205, 198, 215, 202]).split, false);
    assert.equal(classify([300, 300, 300, 300, 300, 300]).split, false);
    assert.equal(classify([100, 160, 220, 280, 340, 400]).split, false, 'even spread: the gap is no wider than the fast spread');
    const outlier = classify([200, 205, 210, 198, 202, 900]);
    assert.equal(outlier.split, false);
    assert.match(outlier.warnings[0]!, /one dispatch \(900\) is far slower/);
    assert.deepEqual([outlier.fast.length, outlier.outliers], [5, [900]], 'the lone slow dispatch is an outlier, not part of fast');
    assert.deepEqual(classify([100, 160, 220, 280, 340, 400]).outliers, [], 'the top of an even spread is not an outlier');
  });

  it('is scale-free (sub-second values) and works for larger n', () => {
    const sub = classify([0.198, 0.606, 0.197, 0.276, 0.218, 0.939]);
    assert.deepEqual([sub.split, sub.slow.length], [true, 2]);
    const big = classify([...Array.from({ length: 20 }, (_, i) => 200 + (i % 7) * 10), ...Array.from({ length: 10 }, (_, i) => 700 + (i % 5) * 40)]);
    assert.deepEqual([big.split, big.fast.length, big.slow.length], [true, 20, 10]);
  });

  it('n = 3: a tentative split by darkmux\'s rule; the 4× slower dispatch is slow, never fast', () => {
    const c = classify([200, 220, 900]);
    assert.deepEqual([c.split, c.tentative, c.fast, c.slow, c.outliers, c.unclustered], [true, true, [200, 220], [900], [], []]);
    assert.match(c.warnings[0]!, /tentative split from only 3 dispatches .*run more before comparing/);
    // Close negative: within 1.5× of each other, no split (and nothing far slower to mislabel).
    const tight = classify([200, 220, 290]);
    assert.deepEqual([tight.split, tight.tentative, tight.fast, tight.slow], [false, false, [200, 220, 290], []]);
    assert.match(tight.warnings[0]!, /no split by darkmux's rule.*run more before comparing/);
  });

  it('n = 5: tentative, boundary at the midpoint of min and max (≤ midpoint is fast)', () => {
    const c = classify([198, 606, 197, 276, 939]);
    assert.deepEqual([c.split, c.tentative], [true, true]);
    assert.deepEqual([c.fast, c.slow], [[198, 197, 276], [606, 939]], 'midpoint 568');
    assert.deepEqual([c.fastCluster!.n, c.slowCluster!.n, c.slowRate!.value], [3, 2, 0.4]);
    assert.deepEqual(classify([100, 150, 200, 175, 125]).fast, [100, 150, 125], 'exactly the midpoint (150) is fast');
  });

  it('n = 6: the confirmed split, unchanged and not tentative', () => {
    const c = classify([198, 606, 197, 276, 218, 939]);
    assert.deepEqual([c.split, c.tentative, c.warnings], [true, false, []]);
    assert.equal(classify([100, 160, 220, 280, 340, 400]).split, false, 'an even spread at n = 6 is still not split, though darkmux\'s rule would');
  });

  it('below 3: no clusters at all; the values are unclustered, neither fast nor slow', () => {
    for (const xs of [[200, 900], [200], []]) {
      const c = classify(xs);
      assert.deepEqual([c.split, c.tentative, c.fast, c.slow, c.outliers, c.unclustered], [false, false, [], [], [], xs]);
      assert.match(c.warnings[0]!, /no clusters below 3; run more before comparing/);
    }
  });

  it('property: never throws; with a split every fast value is below every slow value', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.001, max: 1e6, noNaN: true }), { maxLength: 60 }), (xs) => {
        const c = classify(xs);
        assert.equal(c.fast.length + c.slow.length + c.outliers.length + c.unclustered.length, xs.length);
        assert.ok(c.outliers.length <= 1 && (c.outliers.length === 0 || !c.split));
        if (c.split) assert.ok(Math.max(...c.fast) < Math.min(...c.slow));
        assert.equal(c.tentative, c.split && xs.length < 6);
        // With 3–5 dispatches the slowest is fast only when it is within 1.5× of the fastest.
        if (xs.length >= 3 && xs.length < 6) assert.ok(!c.fast.includes(Math.max(...xs)) || Math.max(...xs) < 1.5 * Math.min(...xs));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('summary, Wilson, bootstrap', () => {
  it('summarizes with the library\'s quantiles', () => {
    const s = summarize([198, 606, 197, 276, 218, 939])!;
    assert.deepEqual([s.n, s.median, s.min, s.max], [6, 247, 197, 939]);
    assert.equal(summarize([]), undefined);
  });

  it('Wilson interval matches the textbook value', () => {
    const w = wilson(2, 6);
    assert.ok(Math.abs(w.low - 0.0968) < 1e-3 && Math.abs(w.high - 0.7) < 1e-3, JSON.stringify(w));
  });

  it('bootstrap interval contains the observed difference and is reproducible', () => {
    const a = [200, 210, 205, 198, 215, 202];
    const b = [300, 310, 290, 305, 320, 298];
    const d = bootstrapMedianDifference(a, b);
    assert.ok(d.low <= d.value && d.value <= d.high);
    assert.deepEqual(bootstrapMedianDifference(a, b), d);
    assert.ok(d.low > 0, 'clearly slower');
  });
});
