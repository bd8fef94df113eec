import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { COMMANDS, usageLine, type Command } from '../../src/cli/commands.js';
import { agentOption, configPath, integerOption } from '../../src/cli/args.js';
import { withCtrlC } from '../../src/cli/ctrlC.js';
import { UsageError } from '../../src/cli/support.js';
import { parseWorkload } from '../../src/core/lab/workloadSchema.js';

const CLI = path.resolve('dist/cli.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin:/bin', NO_COLOR: '1' } });
const name = (c: Command) => c.path.join(' ');
const groups = [...new Set(COMMANDS.filter((c) => c.path.length > 1).map((c) => c.path[0]!))];

describe('the command table', () => {
  it('lists every command the CLI has', () => {
    assert.deepEqual(
      COMMANDS.map(name),
      ['check', 'fix', 'migrate', 'profile list', 'profile show', 'profile apply', 'lab run', 'lab resume', 'lab list', 'lab show', 'lab compare', 'lab stats', 'lab sweep', 'lab prove', 'probe prompt-sections', 'probe codewords', 'probe prefix-stability', 'probe tools', 'probe fill', 'probe tool-fidelity', 'rules', 'version', 'help'],
    );
  });

  it('every command, with --help or -h, prints its usage line on stdout and exits 0', () => {
    for (const c of COMMANDS) {
      for (const flag of ['--help', '-h']) {
        const r = run([...c.path, flag]);
        assert.equal(r.status, 0, `${name(c)} ${flag}: ${r.stderr}`);
        assert.ok(r.stdout.startsWith(`usage: ${usageLine(c)}\n`), `${name(c)} ${flag}: ${r.stdout}`);
        assert.equal(r.stderr, '');
      }
    }
  });

  it('--help wins over missing arguments, and after them', () => {
    const r = run(['lab', 'sweep', 'quick-check', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage: local-ai-lab lab sweep WORKLOAD --base PROFILE/);
    assert.match(r.stdout, /^ {2}--base PROFILE +the profile the variants start from$/m);
  });

  it('a group with --help lists its commands; without a command it is exit 2, one line', () => {
    for (const g of groups) {
      const r = run([g, '--help']);
      assert.equal(r.status, 0, `${g}: ${r.stderr}`);
      for (const c of COMMANDS.filter((c) => c.path[0] === g)) assert.ok(r.stdout.includes(usageLine(c)), `${g} --help names ${name(c)}`);
      const none = run([g]);
      assert.equal(none.status, 2);
      assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);
      assert.match(none.stderr, new RegExp(`see "local-ai-lab ${g} --help"`));
      assert.equal(run([g, 'no-such-command']).status, 2);
    }
  });

  it('help names every command with its summary and usage; help COMMAND prints that command\'s help', () => {
    const r = run(['help']);
    assert.equal(r.status, 0);
    for (const c of COMMANDS) {
      assert.ok(r.stdout.includes(c.summary), name(c));
      // Wrapped for the terminal: the words that start the usage line.
      assert.ok(r.stdout.includes(`local-ai-lab ${c.usage.split(' ').slice(0, c.path.length).join(' ')}`), name(c));
    }
    assert.match(r.stdout, /^Exit codes: 0 no error-level finding \/ success, 1 findings or failure, 2 bad usage or unreadable input\.$/m);
    const one = run(['help', 'probe', 'codewords']);
    assert.equal(one.status, 0);
    assert.ok(one.stdout.startsWith(`usage: ${usageLine(COMMANDS.find((c) => name(c) === 'probe codewords')!)}\n`));
  });

  it('an unknown option is exit 2 with one line that names the command\'s usage', () => {
    for (const c of COMMANDS.filter((c) => !c.lenient)) {
      const r = run([...c.path, '--no-such-option']);
      assert.equal(r.status, 2, name(c));
      assert.equal(r.stderr.trim().split('\n').length, 1, `${name(c)}: ${r.stderr}`);
      assert.ok(r.stderr.startsWith("local-ai-lab: Unknown option '--no-such-option'"), r.stderr);
      assert.ok(r.stderr.includes(`(usage: ${usageLine(c)})`), r.stderr);
    }
  });

  it('each usage names only options the command takes; none takes --help or -h for itself', () => {
    for (const c of COMMANDS) {
      assert.ok(!('help' in c.options) && !Object.values(c.options).some((o) => o.short === 'h'), name(c));
      const flags = c.usage.match(/(?<=^|[\s[(|])--?[a-zA-Z][\w-]*/g) ?? [];
      for (const f of flags) {
        if (c.aliases?.includes(f)) continue;
        const known = f.startsWith('--') ? f.slice(2) in c.options : Object.values(c.options).some((o) => o.short === f.slice(1));
        assert.ok(known, `${name(c)}: its usage names ${f}, which it does not take`);
      }
    }
  });
});

describe('usage lines name every option (#29, lower but real)', () => {
  it("each option a command takes is in its usage line, so --help and a usage error show what it accepts", () => {
    // `profile list|show|apply` and `lab run|resume|list|show|compare` each accept their group's whole option set, so
    // that scripts may pass the same flags to each (commands.ts); those a command ignores are not in its usage.
    const GROUP_ONLY: Record<string, readonly string[]> = {
      'profile list': ['dry-run', 'yes'],
      'profile show': ['dry-run', 'yes'],
      'lab resume': ['n', 'profile', 'profiles', 'allow-any-prompt-file', 'keep-profile'],
      ...Object.fromEntries(['lab list', 'lab show', 'lab compare'].map((c) => [c, ['config', 'n', 'profile', 'profiles', 'openclaw', 'allow-hosted', 'allow-any-prompt-file', 'keep-profile', 'no-wire', 'sample-ms', 'wire-bodies']])),
    };
    const missing: string[] = [];
    for (const c of COMMANDS) {
      if (c.lenient) continue;
      const flags = new Set(c.usage.match(/(?<=^|[\s[(|])--?[a-zA-Z][\w-]*/g) ?? []);
      for (const [long, o] of Object.entries(c.options)) {
        if (GROUP_ONLY[name(c)]?.includes(long)) continue;
        if (!flags.has(`--${long}`) && !(o.short && flags.has(`-${o.short}`))) missing.push(`${name(c)}: --${long}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});

describe('the shared option helpers', () => {
  it('integerOption: absent is the fallback; out of range or not an integer is a usage error naming the flag', () => {
    assert.equal(integerOption('-n', undefined, { max: 1000, fallback: 6 }), 6);
    assert.equal(integerOption('-n', '1000', { max: 1000, fallback: 6 }), 1000);
    for (const raw of ['0', '1001', '2.5', 'x', '']) assert.throws(() => integerOption('-n', raw, { max: 1000, fallback: 6 }), (e: Error) => e instanceof UsageError && e.message === `-n: "${raw}" is not a count from 1 to 1000`);
    assert.throws(() => integerOption('--timeout', '0', { max: 7200, fallback: 600, what: 'a number of seconds' }), /^Error: --timeout: "0" is not a number of seconds from 1 to 7200$/);
  });

  it('agentOption accepts exactly the agent ids a workload accepts', () => {
    assert.equal(agentOption(undefined), 'main');
    for (const id of ['main', 'Ops_2', 'a-b', '_x', 'a'.repeat(64), 'a/b', '-x', '', 'a'.repeat(65), 'a b']) {
      let workloadOk = true;
      try {
        parseWorkload({ name: 'w', dispatcher: 'openclaw', prompt: 'hi', agent: id }, 'w.json');
      } catch {
        workloadOk = false;
      }
      let optionOk = true;
      try {
        agentOption(id);
      } catch (err) {
        assert.ok(err instanceof UsageError);
        assert.equal(err.message, `--agent: "${id}" is not an OpenClaw agent id`);
        optionOk = false;
      }
      assert.equal(optionOk, workloadOk, JSON.stringify(id));
    }
  });

  it('configPath: --config, else where OpenClaw looks; nothing there is a usage error that names the places', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-cfg-'));
    const file = path.join(dir, 'openclaw.json');
    fs.writeFileSync(file, '{}');
    const saved = { ...process.env };
    try {
      assert.equal(configPath({ config: 'x/openclaw.json' }), path.resolve('x/openclaw.json'));
      process.env.OPENCLAW_CONFIG_PATH = file;
      assert.equal(configPath({}), file);
      delete process.env.OPENCLAW_CONFIG_PATH;
      process.env.OPENCLAW_STATE_DIR = path.join(dir, 'state');
      process.env.OPENCLAW_HOME = path.join(dir, 'home');
      assert.throws(() => configPath({}), (e: Error) => e instanceof UsageError && e.message.startsWith(`no openclaw.json found (looked at ${path.join(dir, 'state', 'openclaw.json')}, `) && e.message.endsWith('; pass --config PATH'));
    } finally {
      for (const k of ['OPENCLAW_CONFIG_PATH', 'OPENCLAW_STATE_DIR', 'OPENCLAW_HOME']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});

describe('withCtrlC', () => {
  const quietly = async <T>(f: (said: string[]) => Promise<T>): Promise<T> => {
    const said: string[] = [];
    const error = console.error;
    console.error = (...a: unknown[]) => void said.push(a.join(' '));
    try {
      return await f(said);
    } finally {
      console.error = error;
    }
  };

  it('Ctrl-C aborts the signal and says the message on a line of its own; the handler is gone afterwards', async () => {
    const before = process.listenerCount('SIGINT');
    await quietly(async (said) => {
      const result = await withCtrlC('cancelling: the finished dispatches are kept', async (signal) => {
        assert.equal(process.listenerCount('SIGINT'), before + 1);
        process.emit('SIGINT');
        assert.equal(signal.aborted, true);
        return 'reported';
      });
      assert.equal(result, 'reported');
      assert.deepEqual(said, ['\ncancelling: the finished dispatches are kept']);
    });
    assert.equal(process.listenerCount('SIGINT'), before);
  });

  it('without a message it says nothing (--json keeps stderr quiet), and a failure also removes the handler', async () => {
    const before = process.listenerCount('SIGINT');
    await quietly(async (said) => {
      await assert.rejects(
        withCtrlC(undefined, async (signal) => {
          process.emit('SIGINT');
          assert.equal(signal.aborted, true);
          throw new Error('the run failed');
        }),
        /the run failed/,
      );
      assert.deepEqual(said, []);
    });
    assert.equal(process.listenerCount('SIGINT'), before);
  });
});
