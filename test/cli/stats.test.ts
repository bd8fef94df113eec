import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('local-ai-lab lab stats', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['dist/cli.js', 'lab', 'stats', ...args], { encoding: 'utf8' });

  it('--json classifies the operators\' table', () => {
    const r = run(['--json', '198', '606', '197', '276', '218', '939']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.n, 6);
    assert.equal(out.median, 247);
    assert.equal(out.split, true);
    assert.deepEqual(out.fast, [198, 197, 276, 218].sort((a, b) => a - b));
    assert.deepEqual(out.slow, [606, 939]);
    assert.deepEqual(out.warnings, []);
  });

  it('a single far-slower dispatch is listed in outliers, not in fast; the operators\' split keeps no outliers', () => {
    const out = JSON.parse(run(['--json', '198', '200', '205', '210', '199', '2000']).stdout);
    assert.deepEqual([out.split, out.fast, out.slow, out.outliers], [false, [198, 200, 205, 210, 199], [], [2000]]);
    assert.match(out.warnings[0], /one dispatch \(2000\) is far slower/);
    const table = JSON.parse(run(['--json', '198', '606', '197', '276', '218', '939']).stdout);
    assert.deepEqual([table.fast, table.slow, table.outliers], [[197, 198, 218, 276], [606, 939], []]);
    assert.match(run(['198', '200', '205', '210', '199', '2000']).stdout, /outlier: 2000/);
  });

  it('small n: tentative split at 3 and 5 by darkmux\'s rule, the confirmed one at 6, no clusters below 3', () => {
    const three = JSON.parse(run(['--json', '200', '220', '900']).stdout);
    assert.deepEqual([three.split, three.tentative, three.fast, three.slow, three.unclustered], [true, true, [200, 220], [900], []]);
    assert.deepEqual([three.clusters.slow.n, three.slowRate.value], [1, 1 / 3]);
    assert.match(three.warnings[0], /tentative split .*run more before comparing/);
    const five = JSON.parse(run(['--json', '198', '606', '197', '276', '939']).stdout);
    assert.deepEqual([five.split, five.tentative, five.fast, five.slow], [true, true, [198, 197, 276], [606, 939]]);
    const six = JSON.parse(run(['--json', '198', '606', '197', '276', '218', '939']).stdout);
    assert.deepEqual([six.split, six.tentative, six.fast, six.slow, six.warnings], [true, false, [197, 198, 218, 276], [606, 939], []]);
    const two = JSON.parse(run(['--json', '200', '900']).stdout);
    assert.deepEqual([two.split, two.tentative, two.fast, two.slow, two.unclustered, two.clusters], [false, false, [], [], [200, 900], null]);
    const text = run(['200', '220', '900']).stdout;
    assert.match(text, /tentative split \(n < 6\): run more before comparing/);
    assert.match(run(['200', '900']).stdout, /no clusters/);
  });

  it('a tight unimodal set is not split; fast holds them all; bad input is exit 2', () => {
    const out = JSON.parse(run(['--json', '200', '210', '205', '198', '215', '202']).stdout);
    assert.deepEqual([out.split, out.fast.length, out.slow, out.outliers], [false, 6, [], []]);
    assert.equal(run([]).status, 2);
    assert.equal(run(['--json', '12', 'abc']).status, 2);
  });
});
