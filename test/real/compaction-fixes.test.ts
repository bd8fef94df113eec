import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validateConfig } from '../../src/core/openclaw/cli.js';
import { millis } from '../../src/core/units.js';
import { runCli } from '../support/cli.js';
import { needsOpenclawReleases } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';

const { releases, skip } = needsOpenclawReleases();
const FIX = path.resolve('test/fixtures');
const lms = ['--loaded', `${FIX}/lms/ps.json`, '--downloaded', `${FIX}/lms/ls.json`];
const COMPACTOR = 'lmstudio/qwen3-4b-instruct-2507';

/** The keys the compaction fixes write (mode, model, midTurnPrecheck.enabled, memoryFlush.model) are in each release's strict schema. */
describe('the compaction rules\' preferred fixes keep a valid config valid (real OpenClaw 2026.9.6 and 2026.5.28)', { skip }, () => {
  it('mode default/safeguard × compactor set/unset: fix --all for that release, then its own validator', async () => {
    const opts = { timeoutMs: millis(90_000), env: { ...process.env, ...isolatedEnv() } };
    for (const release of releases) {
      for (const compaction of [{ mode: 'default' }, { mode: 'default', model: COMPACTOR }, { mode: 'safeguard' }, { mode: 'safeguard', model: COMPACTOR }]) {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-cfx-')), 'openclaw.json');
        fs.writeFileSync(
          file,
          JSON.stringify({
            models: { mode: 'merge', providers: { lmstudio: { baseUrl: 'http://127.0.0.1:1234/v1', api: 'openai-completions', models: [{ id: 'qwen/qwen3-coder-30b', name: 'Qwen3 Coder 30B', contextWindow: 32768, maxTokens: 8192 }] } } },
            agents: { defaults: { model: { primary: 'lmstudio/qwen/qwen3-coder-30b' }, compaction } },
          }, null, 2),
        );
        const before = await validateConfig(release.exe!, file, opts);
        assert.equal(before.valid, true, `${release.version} ${JSON.stringify(compaction)} valid before: ${JSON.stringify(before.issues)}`);
        for (const rule of ['compaction-model-missing', 'compaction-threshold-on-primary', 'memory-flush-on-primary', 'compaction-mode']) {
          const f = await runCli(['fix', '--config', file, '--rule', rule, ...lms, '--openclaw-version', release.version, '--json']);
          assert.ok(f.stdout.startsWith('{'), f.stderr);
        }
        const text = fs.readFileSync(file, 'utf8');
        assert.match(text, /"midTurnPrecheck": \{ "enabled": true \}|"midTurnPrecheck": \{\s*"enabled": true\s*\}/, text);
        const after = await validateConfig(release.exe!, file, opts);
        assert.equal(after.valid, true, `${release.version} ${JSON.stringify(compaction)}: ${JSON.stringify(after.issues)}\n${text}`);
      }
    }
  });
});
