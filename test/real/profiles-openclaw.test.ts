import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validateConfig } from '../../src/core/openclaw/cli.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { v } from '../../src/core/openclaw/version.js';
import { check } from '../../src/core/check.js';
import { planProfile } from '../../src/core/profiles/plan.js';
import { BUILTIN_PROFILES, resolveAll, resolveBuiltin } from '../../src/core/profiles/resolve.js';
import { planArm, planVariants } from '../../src/core/lab/experiments/sweep.js';
import type { ServerState } from '../../src/core/servers/types.js';
import { needsOpenclawReleases } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { millis } from '../../src/core/units.js';

const { releases, skip } = needsOpenclawReleases();
const opts = { timeoutMs: millis(90_000), env: { ...process.env, ...isolatedEnv() } };

const lm: ServerState = {
  baseUrl: 'http://127.0.0.1:1234/v1',
  status: 'ok',
  kind: 'lmstudio',
  via: 'test',
  loaded: [{ identifier: 'qwen/qwen3-coder-30b', modelKey: 'qwen/qwen3-coder-30b', loadedContextLength: 32768, maxContextLength: 262144, paramsString: '30B-A3B' }],
  downloaded: [
    { modelKey: 'qwen/qwen3-coder-30b', type: 'llm', paramsString: '30B-A3B', maxContextLength: 262144 },
    { modelKey: 'qwen3-4b-instruct-2507', type: 'llm', paramsString: '4B', maxContextLength: 262144, displayName: 'Qwen3 4B Instruct 2507' },
  ],
};

const CONFIG = `// commented config
{
  models: { providers: { lmstudio: { baseUrl: 'http://127.0.0.1:1234/v1', api: 'openai-completions',
    models: [ { id: 'qwen/qwen3-coder-30b', name: 'Qwen3 Coder 30B', contextWindow: 32768 }, ], }, }, },
  agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' }, compaction: { model: 'lmstudio/qwen3-4b-instruct-2507' } } },
}
`;

describe('every built-in profile\'s plan is accepted by the release it targets', { skip }, () => {
  for (const r of releases) {
    it(`OpenClaw ${r.version}`, async () => {
      assert.ok(r.exe, `CI must install OpenClaw ${r.version}`);
      for (const memGiB of [24, 128]) {
        for (const b of BUILTIN_PROFILES) {
          const obs = check({ doc: parseDocument('/x/openclaw.json', CONFIG), version: v(r.version), machine: { totalMemoryBytes: memGiB * 1024 ** 3, cpus: 8, platform: 'test' }, servers: new Map([['lmstudio', lm]]) }).observation;
          const plan = planProfile(resolveBuiltin(b, obs), obs);
          assert.equal(plan.blocked, undefined);
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-pv-'));
          fs.writeFileSync(path.join(dir, 'openclaw.json'), plan.after);
          const res = await validateConfig(r.exe!, path.join(dir, 'openclaw.json'), opts);
          assert.equal(res.valid, true, `${b.name} @ ${memGiB} GB on ${r.version}: ${JSON.stringify(res.issues)}\n${plan.after}`);
          assert.match(plan.after, /\/\/ commented config/);
        }
      }
    });
  }
});

describe("lab sweep --knobs compactor: every arm's config is accepted by the release it targets", { skip }, () => {
  const bases = [
    // A compactor in "default": the comparison drops it and moves to "safeguard".
    { name: 'with', primary: { context: 32768 }, budget: 30000, compactor: { model: 'lmstudio/qwen3-4b-instruct-2507', context: 16384 }, compaction: { mode: 'default' as const } },
    // None and no mode: the small instruct model the server lists is tried, in "safeguard" (unset) and "default".
    { name: 'without', primary: { context: 32768 }, budget: 30000, compactor: null },
  ];
  for (const r of releases) {
    it(`OpenClaw ${r.version}`, async () => {
      assert.ok(r.exe, `CI must install OpenClaw ${r.version}`);
      const obs = check({ doc: parseDocument('/x/openclaw.json', CONFIG.replace(", compaction: { model: 'lmstudio/qwen3-4b-instruct-2507' }", '')), version: v(r.version), machine: { totalMemoryBytes: 128 * 1024 ** 3, cpus: 8, platform: 'test' }, servers: new Map([['lmstudio', lm]]) }).observation;
      const seen: string[] = [];
      for (const def of bases) {
        const base = resolveAll(obs, bases).targets.find((t) => t.name === def.name)!;
        const plan = planVariants(base, obs, ['compactor'], { compactorGrid: true });
        assert.equal(plan.variants.length, 3, `${def.name}: ${JSON.stringify(plan.skipped)}`);
        for (const arm of [{ name: plan.baseArm!, target: base, unset: undefined }, ...plan.variants]) {
          const p = planArm(arm.target, obs, arm.unset);
          assert.equal(p.blocked, undefined, `${def.name} ${arm.name}: ${p.blocked}`);
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-sweep-grid-'));
          fs.writeFileSync(path.join(dir, 'openclaw.json'), p.after);
          const res = await validateConfig(r.exe!, path.join(dir, 'openclaw.json'), opts);
          assert.equal(res.valid, true, `${def.name} ${arm.name} on ${r.version}: ${JSON.stringify(res.issues)}\n${p.after}`);
          seen.push(`${def.name} ${arm.name}`);
        }
      }
      assert.deepEqual(seen, [
        'with compactor:qwen3-4b-instruct-2507@default',
        'with compactor:none@default',
        'with compactor:none@safeguard',
        'with compactor:qwen3-4b-instruct-2507@safeguard',
        'without compactor:none@safeguard',
        'without compactor:qwen3-4b-instruct-2507@safeguard',
        'without compactor:none@default',
        'without compactor:qwen3-4b-instruct-2507@default',
      ]);
    });
  }
});
