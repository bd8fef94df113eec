import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { sha256 } from '../../src/core/fsutil.js';
import { parseDocument } from '../../src/core/openclaw/document.js';
import { v } from '../../src/core/openclaw/version.js';
import { check } from '../../src/core/check.js';
import { inspectServers } from '../../src/core/sources.js';
import { applyPlan } from '../../src/core/profiles/apply.js';
import { readProfileState } from '../../src/core/profiles/state.js';
import { detectProfile } from '../../src/core/profiles/detect.js';
import { planProfile } from '../../src/core/profiles/plan.js';
import { resolveAll } from '../../src/core/profiles/resolve.js';
import { withProfileInForce } from '../../src/core/profiles/inForce.js';
import { runRules } from '../../src/core/rules/registry.js';
import { createSandbox, type Sandbox } from '../support/sandbox.js';

describe('a profile applied to the sandbox is detected without drift', () => {
  let sb: Sandbox;
  after(() => sb?.close());
  for (const memGiB of [24, 64, 128]) {
    it(`on a ${memGiB} GB machine`, async () => {
      sb = await createSandbox();
      const machine = { totalMemoryBytes: memGiB * 1024 ** 3, cpus: 2, platform: 'test' };
      const look = async () => {
        const doc = parseDocument(sb.configPath, fs.readFileSync(sb.configPath, 'utf8'));
        const base = check({ doc, version: v('2026.9.6'), machine }).observation;
        return check({ doc, version: v('2026.9.6'), machine, servers: await inspectServers(base.model.providers, { timeoutMs: 1500 }) }).observation;
      };
      for (const name of ['mid-range', 'long-agentic', 'single-turn']) {
        const obs = await look();
        const target = resolveAll(obs, []).targets.find((t) => t.name === name)!;
        const report = await applyPlan(planProfile(target, obs), { expectedHash: sha256(fs.readFileSync(sb.configPath)) });
        assert.equal(report.ok, true, report.error);
        const after = await look();
        const d = detectProfile(resolveAll(after, []).targets, after, name);
        assert.deepEqual(d.differences, [], `${name} @ ${memGiB} GB`);
        // Diagnostics agree with the profile: nothing it chose is reported as a problem.
        const { obs: withIntent } = withProfileInForce(after, [], readProfileState(sb.configPath)?.profile);
        const findings = runRules(withIntent).filter((f) => !['retired-key', 'compaction-mode'].includes(f.rule));
        assert.deepEqual(findings.map((f) => `${f.rule}: ${f.message}`), [], `${name} @ ${memGiB} GB`);
      }
      await sb.close();
    });
  }
});
