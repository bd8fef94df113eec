import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { FIX, LMS_ARGS, runCliSync, tmpConfigCopy } from '../support/cli.js';

const run = runCliSync;
const lms = LMS_ARGS;
const tmpCopy = tmpConfigCopy;

describe('local-ai-lab check', () => {
  it('--json reports context-window-mismatch at the contextWindow value range, and the planted rest; exit 1', () => {
    const config = `${FIX}/configs/planted.json5`;
    const r = run(['check', '--config', config, ...lms, '--json']);
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.config, config);
    assert.equal(out.openclawVersion, null, 'no OpenClaw on PATH');
    assert.equal(out.assumedOpenclawVersion, '2026.9.6');
    const m = out.findings.find((f: { rule: string }) => f.rule === 'context-window-mismatch');
    const text = fs.readFileSync(config, 'utf8').split('\n');
    assert.equal(m.path, 'models.providers.lmstudio.models.0.contextWindow');
    assert.equal(text[m.range.start.line]!.slice(m.range.start.character, m.range.end.character), '131072');
    assert.deepEqual(m.fixes[0], { title: 'Set contextWindow to 32,768 (what LM Studio loaded)', preferred: true });
    const rules = out.findings.map((f: { rule: string }) => f.rule).sort();
    assert.deepEqual(rules, ['compaction-mode', 'compaction-model-missing', 'context-window-mismatch', 'retired-key']);
  });

  it('exit 0 with no error-level finding; --openclaw-version changes the verdict', () => {
    const r = run(['check', '--config', `${FIX}/configs/planted.json5`, ...lms, '--openclaw-version', '2026.5.20', '--json']);
    const out = JSON.parse(r.stdout);
    assert.equal(out.openclawVersion, '2026.5.20');
    assert.ok(out.findings.some((f: { rule: string }) => f.rule === 'reserve-floor-silent-failure'));
    assert.ok(!out.findings.some((f: { rule: string }) => f.rule === 'retired-key'));
    const clean = run(['check', '--config', `${FIX}/configs/valid-minimal.json`, '--loaded', `${FIX}/lms/ps.json`, '--json']);
    assert.equal(clean.status, 0, clean.stdout);
  });

  it('exit 2 for bad usage and unreadable input, with a message', () => {
    assert.equal(run(['check', '--bogus']).status, 2);
    const missing = run(['check', '--config', '/nonexistent/openclaw.json']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /does not exist/);
    assert.equal(run(['check', '--config', `${FIX}/configs/planted.json5`, '--loaded', `${FIX}/configs/planted.json5`]).status, 2);
    assert.equal(run(['check', '--config', `${FIX}/configs/planted.json5`, '--openclaw-version', 'soon']).status, 2);
    assert.equal(run(['frobnicate']).status, 2);
  });

  it('a malformed file is an error finding at its position (exit 1), not a crash', () => {
    const file = tmpCopy('planted.json5');
    fs.writeFileSync(file, '{\n  models: {\n    providers: ,\n  }\n}');
    const r = run(['check', '--config', file, '--no-probe', '--json']);
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.findings.map((f: { rule: string; range: { start: { line: number } } }) => [f.rule, f.range.start.line]), [['parse-error', 2]]);
  });
});

describe('local-ai-lab fix', () => {
  it('--dry-run prints a diff and writes nothing', () => {
    const file = tmpCopy('planted.json5');
    const before = fs.readFileSync(file);
    const r = run(['fix', '--config', file, '--rule', 'context-window-mismatch', ...lms, '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^-.*contextWindow: 131072/m);
    assert.match(r.stdout, /^\+.*contextWindow: 32768/m);
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it('changes only that number in a commented JSON5 file, keeping the file mode', () => {
    const file = tmpCopy('planted.json5');
    fs.chmodSync(file, 0o640);
    const before = fs.readFileSync(file, 'utf8');
    const r = run(['fix', '--config', file, '--rule', 'context-window-mismatch', ...lms]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const after = fs.readFileSync(file, 'utf8');
    assert.equal(after, before.replace('contextWindow: 131072', 'contextWindow: 32768'));
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
  });

  it('usage errors exit 2', () => {
    assert.equal(run(['fix', '--rule', 'retired-key']).status, 2);
    assert.equal(run(['fix', '--config', tmpCopy('planted.json5'), '--rule', 'no-such-rule']).status, 2);
  });
});

describe('a CLI that behaves like one', () => {
  it('--version and -V print the version; help exits 0; no command prints usage and exits 2', () => {
    const version = JSON.parse(fs.readFileSync('package.json', 'utf8')).version as string;
    for (const flag of ['--version', '-V']) {
      const r = run([flag]);
      assert.equal(r.status, 0);
      assert.equal(r.stdout.trim(), version);
    }
    assert.equal(run(['help']).status, 0);
    assert.equal(run(['--help']).status, 0);
    const none = run([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^Usage:/m);
  });

  it('rules lists each rule with its severity and a one-line description', () => {
    const r = run(['rules']);
    assert.equal(r.status, 0);
    const lines = r.stdout.trim().split('\n');
    const json = JSON.parse(run(['rules', '--json']).stdout) as { id: string; severity: string; summary: string }[];
    assert.equal(lines.length, json.length);
    for (const rule of json) {
      assert.ok(rule.summary.length > 15 && /^(error|warning|info)(\/(error|warning|info))?$/.test(rule.severity), JSON.stringify(rule));
      assert.ok(lines.some((l) => l.startsWith(rule.id) && l.includes(rule.summary)));
    }
  });

  it('check names the command that fixes what it found; fix --all --dry-run shows every safe fix and writes nothing', () => {
    const file = tmpCopy('planted.json5');
    const before = fs.readFileSync(file, 'utf8');
    const check = run(['check', '--config', file, ...lms]);
    assert.match(check.stdout, /local-ai-lab fix --all --config /);
    assert.ok(!check.stdout.includes('\u001b['), 'no colour when not on a terminal');
    const dry = run(['fix', '--all', '--config', file, ...lms, '--dry-run', '--json']);
    const out = JSON.parse(dry.stdout);
    assert.equal(out.rule, 'all');
    assert.ok(out.applied.length >= 2, JSON.stringify(out.applied));
    assert.match(out.diff, /^\+.*contextWindow/m);
    assert.equal(fs.readFileSync(file, 'utf8'), before);
    const both = run(['fix', '--all', '--rule', 'retired-key', '--config', file]);
    assert.equal(both.status, 2);
  });

  it('errors are one line that says what happened, exit 2 (no raw ENOENT)', () => {
    const r = run(['fix', '--all', '--config', '/nonexistent/openclaw.json']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /ENOENT/);
    const bad = run(['check', '--bogus']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });
});
