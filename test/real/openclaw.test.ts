import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openclawVersion, validateConfig } from '../../src/core/openclaw/cli.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { placeIssue } from '../../src/core/openclaw/issues.js';
import { formatVersion } from '../../src/core/openclaw/version.js';
import { runRules } from '../../src/core/rules/registry.js';
import { applyEdits } from '../../src/core/text.js';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { config, lmstudio, observe } from '../support/observe.js';
import { millis } from '../../src/core/units.js';

// CI must prove fixes against the real validator; a developer without the tool cache is told why it is skipped.
const { exe, skip } = needsOpenclaw();
const env = isolatedEnv();
const opts = { timeoutMs: millis(60000), env: { ...process.env, ...env } };

function write(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-val-'));
  const f = path.join(dir, 'openclaw.json');
  fs.writeFileSync(f, text);
  return f;
}

describe('with the real OpenClaw 2026.9.6', { skip }, () => {
  it('reports its version', async () => {
    assert.ok(exe, 'CI must install OpenClaw');
    const v = await openclawVersion(exe, opts);
    assert.equal(v && formatVersion(v), '2026.9.6');
  });

  it('every preferred edit fix, applied to a valid config, leaves the config valid', async () => {
    const compactorRow = '{ "id": "qwen3-4b-instruct-2507", "name": "C", "contextWindow": 68000 }';
    const cases = [
      // mismatch (above and below), too large for the model, compaction mode, missing compactor, unregistered ref
      { text: config({ window: 131072, compaction: '{ "mode": "default", "model": "lmstudio/qwen3-4b-instruct-2507" }', rows: compactorRow }), loaded: [{ id: 'qwen/qwen3-coder-30b', ctx: 32768, max: 262144 }, { id: 'qwen3-4b-instruct-2507', ctx: 68000 }] },
      { text: config({ window: 300000, tokens: 16384, compaction: '{ "mode": "safeguard" }' }), loaded: [{ id: 'qwen/qwen3-coder-30b', ctx: 65536, max: 262144 }] },
      { text: config({ window: 32768 }), loaded: [{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }] },
      { text: config({ window: 32768, compaction: '{ "model": "lmstudio/qwen3-4b-instruct-2507" }' }), loaded: [{ id: 'qwen/qwen3-coder-30b', ctx: 32768 }, { id: 'qwen3-4b-instruct-2507', ctx: 40960 }] },
    ];
    let checked = 0;
    for (const c of cases) {
      const before = await validateConfig(exe!, write(c.text), opts);
      assert.equal(before.valid, true, JSON.stringify(before.issues));
      const obs = observe(c.text, { runtimes: { lmstudio: lmstudio(c.loaded, [{ key: 'qwen3-4b-instruct-2507', params: '4B', max: 262144 }]) } });
      for (const f of runRules(obs)) {
        const fix = f.fixes.find((x) => x.preferred && x.plan && x.plan.edits.length);
        if (!fix) continue;
        const after = applyEdits(c.text, fix.plan!.edits.flatMap((e) => e.edits));
        const r = await validateConfig(exe!, write(after), opts);
        assert.equal(r.valid, true, `${f.rule}: ${fix.title} → ${JSON.stringify(r.issues)}`);
        checked++;
      }
    }
    assert.ok(checked >= 6, `only ${checked} fixes were checked`);
  });

  it('the planted commented config: fixing every rule makes it valid and keeps its comments', async () => {
    let text = fs.readFileSync('test/fixtures/configs/planted.json5', 'utf8');
    const first = await validateConfig(exe!, write(text), opts);
    assert.equal(first.valid, false);
    // The validator's issue lands on the reserveTokensFloor key.
    const placed = placeIssue(parseDocument('/p', text).root, parseDocument('/p', text), first.issues[0]!);
    assert.equal(text.slice(placed[0]!.span[0], placed[0]!.span[1]), 'reserveTokensFloor');
    const loaded = [{ id: 'qwen/qwen3-coder-30b', ctx: 32768, max: 262144 }];
    for (let i = 0; i < 10; i++) {
      const f = runRules(observe(text, { runtimes: { lmstudio: lmstudio(loaded, [{ key: 'qwen3-4b-instruct-2507', params: '4B', max: 262144 }]) } })).find((x) => x.fixes.some((y) => y.preferred && y.plan?.edits.length));
      if (!f) break;
      text = applyEdits(text, f.fixes.find((y) => y.preferred)!.plan!.edits.flatMap((e) => e.edits));
    }
    const r = await validateConfig(exe!, write(text), opts);
    assert.equal(r.valid, true, JSON.stringify(r.issues));
    assert.match(text, /\/\/ OpenClaw config for the M-series box/);
    assert.match(text, /\/\/ The big coder/);
  });
});
