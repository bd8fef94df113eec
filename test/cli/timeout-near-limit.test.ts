import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { recordedTimings } from '../support/labRecords.js';
import { config } from '../support/observe.js';

type Finding = { rule: string; message: string; path: string };

/** `check --json` in `dir` (whose ./.local-ai-lab the CLI reads), no servers asked, no validator. */
async function check(dir: string, file: string): Promise<Finding[]> {
  const r = await runCli(['check', '--config', file, '--no-probe', '--no-validate', '--openclaw-version', '2026.9.6', '--json'], { cwd: dir });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return (JSON.parse(r.stdout).findings as Finding[]).filter((f) => f.rule === 'timeout-near-limit');
}

describe('timeout-near-limit through local-ai-lab check', () => {
  it('a recorded lab session whose compactions took over 80 % of 180 s: a finding, and its fix clears it; one below: none', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-timeouts-cli-'));
    const file = path.join(dir, 'openclaw.json');
    const text = config({ window: 32768 });
    fs.writeFileSync(file, text);
    assert.deepEqual(await check(dir, file), [], 'no lab folder: nothing measured, nothing reported');

    recordedTimings(path.join(dir, '.local-ai-lab'), file, [40, 60, 70], '20261201T110000Z-long-agentic-0001');
    assert.deepEqual(await check(dir, file), [], 'compactions of 40–70 s are far below 144 s');

    // A newer session of the same config measured compactions of 150–165 s: p90 163 s, 91 % of 180 s.
    recordedTimings(path.join(dir, '.local-ai-lab'), file, [150, 155, 165], '20261201T120000Z-long-agentic-0002');
    const [f, ...rest] = await check(dir, file);
    assert.equal(rest.length, 0);
    assert.equal(f!.path, 'agents.defaults.model.primary', 'no compaction block: the finding sits on the primary');
    assert.match(f!.message, /^Compactions here take \d+ s at p90, \d+ % of the 180 s compaction timeout: some will be cut off\./);
    // `fix --rule` applies the preferred fix through the write executor, as the quick fix does.
    const r = await runCli(['fix', '--config', file, '--rule', 'timeout-near-limit', '--no-probe', '--openclaw-version', '2026.9.6'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(fs.readFileSync(file, 'utf8'), /"compaction": \{ "timeoutSeconds": \d+0 \}/);
    assert.deepEqual(await check(dir, file), [], 'with the timeout raised the same sessions are below 80 %');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
