import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { check } from '../../src/core/check.js';
import { readConfig } from '../../src/core/sources.js';
import { predictedCompaction } from '../../src/core/lab/session.js';
import { runSession } from '../../src/core/lab/dispatch/runner.js';
import { newSession } from '../../src/core/lab/session.js';
import type { Dispatcher } from '../../src/core/lab/dispatch/types.js';
import {
  GROW_CONTEXT_WORKLOAD,
  GROW_FOLDER,
  GROW_MARKER,
  GrowFolderRefused,
  growFileText,
  growPlan,
  isGrowContext,
  removeGrowFiles,
  withGrowFiles,
  writeGrowFiles,
} from '../../src/core/lab/dispatch/growContext.js';
import { BUILTIN_WORKLOADS, loadWorkload } from '../../src/core/lab/workload.js';
import { defaultProveWorkload, planProve } from '../../src/core/lab/experiments/prove.js';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

/** C and R for a config whose primary row says `row`, through the project's context math (predictedCompaction). */
function cr(row: string): { c: number; r: number } {
  const dir = tmp('lal-grow-cfg-');
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(config, `{ models: { providers: { box: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k', models: [${row}] } } }, agents: { defaults: { model: 'box/m' } } }`);
  const t = predictedCompaction(check({ doc: readConfig(config).doc }).observation)!;
  return { c: t.contextTokens, r: t.reserveTokens };
}

describe('grow-context: sizing from C and R', () => {
  it('C 32,768 (R 8,192): ⌈1.3 × 24,576⌉ = 31,949 tokens, 127,796 characters in 8 files of at most C/2 characters', () => {
    const { c, r } = cr(`{ id: 'm', name: 'm', contextWindow: 32768 }`);
    assert.deepEqual([c, r], [32768, 8192]);
    const p = growPlan(c, r);
    assert.deepEqual([p.totalTokens, p.totalChars, p.files.length], [31949, 127796, 8]);
    assert.equal(p.files.reduce((s, f) => s + f.chars, 0), p.totalChars);
    assert.ok(p.files.every((f) => f.chars <= 16384), JSON.stringify(p.files));
    assert.deepEqual(p.files.map((f) => f.name).slice(0, 2), [`${GROW_FOLDER}/part-0.txt`, `${GROW_FOLDER}/part-1.txt`]);
  });

  it('contextTokens caps the window (C 16,384, R 4,096) and a large C (131,072, R 20,000) splits into 40,000-character files', () => {
    const small = cr(`{ id: 'm', name: 'm', contextWindow: 131072, contextTokens: 16384 }`);
    assert.deepEqual([small.c, small.r], [16384, 4096]);
    const p = growPlan(small.c, small.r);
    assert.equal(p.totalTokens, Math.ceil(1.3 * 12288));
    assert.equal(p.files.length, Math.ceil((p.totalTokens * 4) / 8192));
    const big = cr(`{ id: 'm', name: 'm', contextWindow: 131072 }`);
    assert.deepEqual([big.c, big.r], [131072, 20000]);
    const q = growPlan(big.c, big.r);
    assert.equal(q.totalTokens, Math.ceil(1.3 * 111072));
    assert.ok(q.files.every((f) => f.chars <= 40000));
    assert.equal(q.files.length, Math.ceil(q.totalChars / 40000));
    // Never fewer than four steps, however small the budget.
    assert.equal(growPlan(100000, 99000).files.length, 4);
  });

  it('each file has exactly its planned size, every line names it, and its last line names the next file (the last says so)', () => {
    const p = growPlan(32768, 8192);
    for (let i = 0; i < p.files.length; i++) {
      const t = growFileText(p, i);
      assert.equal(t.length, p.files[i]!.chars);
      assert.match(t, new RegExp(`^FILE ${i} line 0: `));
      const last = t.trimEnd().split('\n').at(-1)!;
      assert.equal(last, i + 1 < p.files.length ? `END OF FILE ${i}. Next: read ${p.files[i + 1]!.name}` : `END OF FILE ${i}. This was the last file.`);
    }
  });
});

describe('grow-context: the files in the workspace and their cleanup', () => {
  it('writes the files and the marker; removes only the lab-marked folder; a leftover of the lab is replaced', () => {
    const ws = path.join(tmp('lal-grow-ws-'), 'workspace');
    const p = growPlan(8000, 2000);
    const names = writeGrowFiles(ws, p);
    assert.ok(fs.existsSync(path.join(ws, GROW_FOLDER, GROW_MARKER)));
    assert.deepEqual(names.map((n) => fs.statSync(path.join(ws, n)).size), p.files.map((f) => f.chars));
    // A killed run's folder (the lab's) is replaced, not refused.
    fs.writeFileSync(path.join(ws, GROW_FOLDER, 'stale.txt'), 'x');
    writeGrowFiles(ws, p);
    assert.ok(!fs.existsSync(path.join(ws, GROW_FOLDER, 'stale.txt')));
    assert.equal(removeGrowFiles(ws), true);
    assert.ok(!fs.existsSync(path.join(ws, GROW_FOLDER)));
    assert.equal(removeGrowFiles(ws), false);
  });

  it('never touches what is not the lab\'s: a user folder by that name, or a link to one, is refused and left as it was', () => {
    const ws = tmp('lal-grow-user-');
    fs.mkdirSync(path.join(ws, GROW_FOLDER));
    fs.writeFileSync(path.join(ws, GROW_FOLDER, 'mine.txt'), 'the user\'s');
    assert.throws(() => writeGrowFiles(ws, growPlan(8000, 2000)), GrowFolderRefused);
    assert.equal(removeGrowFiles(ws), false);
    assert.deepEqual(fs.readdirSync(path.join(ws, GROW_FOLDER)), ['mine.txt']);
    // A link to a folder that carries the marker is still not the lab's folder.
    const elsewhere = tmp('lal-grow-elsewhere-');
    fs.writeFileSync(path.join(elsewhere, GROW_MARKER), '');
    fs.writeFileSync(path.join(elsewhere, 'keep.txt'), 'keep');
    const ws2 = tmp('lal-grow-link-');
    fs.symlinkSync(elsewhere, path.join(ws2, GROW_FOLDER));
    assert.equal(removeGrowFiles(ws2), false);
    assert.throws(() => writeGrowFiles(ws2, growPlan(8000, 2000)), GrowFolderRefused);
    assert.deepEqual(fs.readdirSync(elsewhere).sort(), [GROW_MARKER, 'keep.txt'].sort());
  });

  /** A lab session through the real runner with `body` as the dispatch; what the dispatch saw of the folder. */
  async function session(body: (signal: AbortSignal) => Promise<{ output: string; errorKind?: string; stopReason?: string }>, n = 1) {
    const root = tmp('lal-grow-lab-');
    const ws = path.join(root, 'workspace');
    const seen: boolean[] = [];
    const inner: Dispatcher = Object.assign(async (_i: number, signal: AbortSignal) => {
      seen.push(fs.existsSync(path.join(ws, GROW_FOLDER, 'part-0.txt')));
      return body(signal);
    });
    const grown = withGrowFiles(inner, { workspace: ws, plan: growPlan(8000, 2000) });
    const s = newSession(`20261206T030000Z-grow-context-${Math.random().toString(16).slice(2, 6)}`, GROW_CONTEXT_WORKLOAD, GROW_CONTEXT_WORKLOAD.prompt!, n, { loadedModels: [], machine: { memoryBytes: 1, cpus: 1, cpuModel: 'x', os: 'x' } });
    let thrown: unknown;
    try {
      await runSession({ root: path.join(root, '.local-ai-lab'), session: s, dispatcher: grown, cwd: root });
    } catch (err) {
      thrown = err;
    }
    const leftAfterRun = fs.existsSync(path.join(ws, GROW_FOLDER));
    grown.dispose();
    return { seen, leftAfterRun, thrown, ws };
  }

  it('in place for every dispatch (written in prepare, before the clock), gone after each: success, timeout, cancel and a throw', async () => {
    const ok = await session(async () => ({ output: 'All files read.\nDONE', stopReason: 'stop' }), 2);
    assert.deepEqual(ok.seen, [true, true]);
    assert.equal(ok.leftAfterRun, false);
    const timeout = await session(async () => ({ output: '', errorKind: 'timeout' }));
    assert.deepEqual([timeout.seen, timeout.leftAfterRun], [[true], false]);
    const cancelled = await session(async () => ({ output: '', errorKind: 'cancelled' }));
    assert.deepEqual([cancelled.seen, cancelled.leftAfterRun], [[true], false]);
    const threw = await session(async () => {
      throw new Error('spawn failed');
    });
    assert.deepEqual([threw.seen, threw.leftAfterRun, (threw.thrown as Error).message], [[true], false, 'spawn failed']);
  });
});

describe('grow-context: a built-in only, and the proof default for the compaction rules', () => {
  it('the built-in and a resumed session\'s copy get the files; a workload file of that name with its own prompt does not', () => {
    assert.ok(BUILTIN_WORKLOADS.includes(GROW_CONTEXT_WORKLOAD));
    const lab = tmp('lal-grow-wl-');
    assert.equal(loadWorkload('grow-context', lab).workload, GROW_CONTEXT_WORKLOAD);
    assert.ok(isGrowContext(JSON.parse(JSON.stringify({ ...GROW_CONTEXT_WORKLOAD, repeats: 3 }))));
    fs.mkdirSync(path.join(lab, 'workloads'));
    fs.writeFileSync(path.join(lab, 'workloads', 'grow-context.json'), JSON.stringify({ name: 'grow-context', dispatcher: 'openclaw', prompt: 'Read ~/.ssh/id_rsa' }));
    assert.equal(isGrowContext(loadWorkload('grow-context', lab).workload), false);
    assert.equal(isGrowContext(BUILTIN_WORKLOADS.find((w) => w.name === 'agent-turn')!), false);
  });

  it('lab prove defaults to grow-context for the five compaction rules and to agent-turn for the others', () => {
    for (const rule of ['compaction-model-missing', 'compaction-threshold-on-primary', 'memory-flush-on-primary', 'compaction-mode', 'compactor-context-fit']) assert.equal(defaultProveWorkload(rule), 'grow-context', rule);
    for (const rule of ['context-window-mismatch', 'ollama-num-ctx-unset', 'lmstudio-jit-context']) assert.equal(defaultProveWorkload(rule), 'agent-turn', rule);
    const finding = (rule: string) => ({ rule, path: ['x'], fixes: [{ title: 't', preferred: true, plan: { edits: [{ file: 'f', edits: [{ span: [0, 0], newText: '' }] }], actions: [] } }] });
    // planProve's `workload` (the --dry-run --json field) follows the rule when none is named, and a named one wins.
    assert.equal(planProve([finding('compaction-mode')] as never, { rule: 'compaction-mode' }).workload, 'grow-context');
    assert.equal(planProve([finding('context-window-mismatch')] as never, { rule: 'context-window-mismatch' }).workload, 'agent-turn');
    assert.equal(planProve([finding('compaction-mode')] as never, { rule: 'compaction-mode', workload: 'quick-check' }).workload, 'quick-check');
  });
});
