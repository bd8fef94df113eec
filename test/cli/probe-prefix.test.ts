import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCliSync } from '../support/cli.js';

/** `probe prefix-stability` without a real OpenClaw: the dry run and the usage errors (exit 2). */
function config(): { file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-prefix-cli-'));
  const file = path.join(dir, 'openclaw.json');
  fs.writeFileSync(file, `// mine\n{ models: { providers: { llama: { baseUrl: 'http://127.0.0.1:9/v1', api: 'openai-completions', models: [{ id: 'm', contextWindow: 32768 }] } } }, agents: { defaults: { model: { primary: 'llama/m' } } } }\n`);
  return { file, dir };
}

describe('probe prefix-stability on the command line', () => {
  it('--dry-run says the turns and the servers the wire would record, runs nothing and writes nothing', () => {
    const c = config();
    const before = fs.readFileSync(c.file, 'utf8');
    const lab = path.join(c.dir, '.local-ai-lab');
    const r = runCliSync(['probe', 'prefix-stability', '--config', c.file, '--openclaw', path.join(c.dir, 'no-openclaw'), '--turns', '3', '--touch-workspace-file', 'AGENTS.md', '--dir', lab, '--dry-run']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^probe prefix-stability: 3 turns of agent main in one new session/m);
    assert.match(r.stdout, /^recorded: provider llama → http:\/\/127\.0\.0\.1:9$/m);
    assert.match(r.stdout, /before turn 2: one line appended to AGENTS\.md/);
    const j = runCliSync(['probe', 'prefix-stability', '--config', c.file, '--openclaw', path.join(c.dir, 'no-openclaw'), '--dir', lab, '--dry-run', '--json']);
    assert.equal(j.status, 0, j.stderr);
    const plan = JSON.parse(j.stdout);
    assert.equal(plan.turns, 4);
    assert.equal(plan.messages.length, 4);
    assert.equal(fs.readFileSync(c.file, 'utf8'), before);
    assert.equal(fs.existsSync(lab), false);
  });

  for (const [args, re] of [
    [['--turns', '0'], /--turns: "0" is not a count from 1 to 12/],
    [['--turns', '13'], /--turns: "13" is not a count from 1 to 12/],
    [['--touch-workspace-file', '../AGENTS.md'], /is not a file name in the workspace/],
    [['--touch-workspace-file', 'AGENTS.md', '--turns', '1'], /before turn 2: give --turns 2 or more/],
  ] as const) {
    it(`usage error (exit 2): ${args.join(' ')}`, () => {
      const c = config();
      const r = runCliSync(['probe', 'prefix-stability', '--config', c.file, ...args, '--dry-run']);
      assert.equal(r.status, 2, r.stderr + r.stdout);
      assert.match(r.stderr, re);
    });
  }
});
