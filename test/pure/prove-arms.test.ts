import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proveArms, type ProvePlan } from '../../src/core/lab/experiments/prove.js';
import type { CheckedFile } from '../../src/core/sources.js';

const plan = (interleaved: boolean, n: number): ProvePlan => ({ rule: 'context-window-mismatch', path: 'models.providers.lmstudio.models.0.contextWindow', fix: 'x', workload: 'quick-check', arms: [{ name: 'as-is' }, { name: 'fix', edits: [] }], n, interleaved });
// proveArms reads the first look only inside the plans it makes (when an arm is put in force), never while ordering.
const first = {} as CheckedFile;

describe('lab prove: the order of the arms', () => {
  it('a config-only fix alternates with as-is round by round; every round after the first puts the as-is bytes back', () => {
    const arms = proveArms(first, plan(true, 3));
    assert.deepEqual(arms.map((a) => `${a.name}@${a.round}`), ['as-is@0', 'fix@0', 'as-is@1', 'fix@1', 'as-is@2', 'fix@2']);
    assert.equal(arms[0]!.plan, undefined, 'the first as-is runs on the config as it is');
    assert.ok(arms.slice(1).every((a) => a.plan && a.required), 'every later arm is put in force, and one that cannot be ends the proof');
  });

  it('a fix that also acts on a server runs as-is, then the fix (n dispatches each)', () => {
    const arms = proveArms(first, plan(false, 6));
    assert.deepEqual(arms.map((a) => `${a.name}@${a.round}`), ['as-is@0', 'fix@0']);
  });
});
