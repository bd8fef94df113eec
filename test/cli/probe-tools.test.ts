import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCliSync } from '../support/cli.js';

/** `probe tools` without OpenClaw: the dry run says what would run and runs nothing; bad options are usage errors (exit 2). */
function config(): { file: string; ws: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-tools-cli-'));
  const ws = path.join(dir, 'workspace');
  const file = path.join(dir, 'openclaw.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      models: { providers: { mocklab: { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'Mock One', reasoning: true }, { id: 'mock-2', name: 'Mock Two' }] } } },
      agents: { defaults: { model: { primary: 'mocklab/mock-1' }, workspace: ws } },
    }),
  );
  return { file, ws };
}

describe('probe tools --dry-run and usage', () => {
  it('the dry run names the rows, the tasks, the turns and the wire, and writes nothing', () => {
    const { file, ws } = config();
    const r = runCliSync(['probe', 'tools', '--config', file, '--api', 'completions,ollama', '--timeout', '20', '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^agent main \(its model: mocklab\/mock-1\)/);
    assert.match(r.stdout, /^row mocklab\/mock-1 over openai-completions \(as configured\)$/m);
    assert.match(r.stdout, /^row mocklab\/mock-1 over ollama \(a private copy with api "ollama" instead of "openai-completions", if OpenClaw's validator accepts it\)$/m);
    assert.match(r.stdout, /^task impossible: the file does not exist/m);
    assert.match(r.stdout, /^6 OpenClaw turns \(openclaw agent --local\), each at most 20 s/m);
    assert.match(r.stdout, /^wire: provider mocklab → a recorder in front of http:\/\/127\.0\.0\.1:9$/m);
    assert.equal(fs.existsSync(ws), false, 'no workspace file was written');
    const j = runCliSync(['probe', 'tools', '--config', file, '--model', 'mocklab/mock-2', '--tasks', 'read', '--dry-run', '--json']);
    assert.equal(j.status, 0, j.stderr);
    const plan = JSON.parse(j.stdout);
    assert.deepEqual([plan.dryRun, plan.turns, plan.rows[0].ref, plan.rows[0].modelArg, plan.rows[0].reasoning], [true, 1, 'mocklab/mock-2', 'mocklab/mock-2', null]);
  });

  it('an unknown mode, task or provider, and a bad timeout, are usage errors (exit 2)', () => {
    const { file } = config();
    for (const [args, message] of [
      [['--api', 'chat'], /--api: "chat" is not one of completions, responses, ollama/],
      [['--tasks', 'read,write'], /--tasks: "write" is not one of read, exec, impossible/],
      [['--model', 'nope/x'], /openclaw\.json has no provider "nope"/],
      [['--model', 'plain'], /--model: "plain" is not a "provider\/model" reference/],
      [['--timeout', '0'], /--timeout: "0" is not a number of seconds/],
    ] as const) {
      const r = runCliSync(['probe', 'tools', '--config', file, '--dry-run', ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}${r.stdout}`);
      assert.match(r.stderr, message);
    }
  });
});
