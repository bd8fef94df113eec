import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { runCli } from '../support/cli.js';
import { readCodewordRecord } from '../../src/core/lab/experiments/codewordRun.js';
import { codewordView } from '../../src/core/lab/experiments/codewords.js';
import { startServer, type ScriptedServer } from '../support/scriptedServer.js';

const { exe, skip } = needsOpenclaw();
const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

type Msg = { role: string; content: string | { text?: string }[] };
/** A scripted model that echoes the Markdown headers of the system prompt it is given. */
async function echoingModel() {
  const s = await startServer({
    '/v1/models': { json: { object: 'list', data: [{ id: 'mock-1', object: 'model' }] } },
    'POST /v1/chat/completions': (req) => {
      const messages = ((req.body as { messages?: Msg[] })?.messages ?? []).filter((m) => m.role === 'system' || m.role === 'developer');
      const system = messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((p) => p.text ?? '').join(''))).join('\n');
      return { chat: { reply: ['HEADERS:', ...system.split('\n').filter((l) => /^#{1,6}\s/.test(l)), 'DONE'].join('\n') } };
    },
  });
  servers.push(s);
  return s;
}

describe('probe prompt-sections through the real OpenClaw 2026.9.6', { skip }, () => {
  it('AGENTS.md in the workspace is reported present; with contextInjection "never" it is reported missing (a finding, exit 1)', async () => {
    const s = await echoingModel();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-probe-'));
    const ws = path.join(dir, 'workspace');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'AGENTS.md'), '# House rules\nRun the tests before you say done.\n');
    const config = path.join(dir, 'openclaw.json');
    const write = (extra: object) =>
      fs.writeFileSync(config, JSON.stringify({
        models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${s.port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'Mock One', contextWindow: 32768, maxTokens: 1024 }] } } },
        agents: { defaults: { model: { primary: 'mocklab/mock-1' }, workspace: ws, skipBootstrap: true, ...extra } },
      }));
    const env = isolatedEnv();
    write({});
    const present = await runCli(['probe', 'prompt-sections', '--config', config, '--openclaw', exe!, '--json'], { env });
    assert.equal(present.status, 0, present.stderr + present.stdout);
    const a = JSON.parse(present.stdout);
    assert.equal(a.workspaceDir, ws, "OpenClaw's own report names the workspace");
    assert.deepEqual(a.files.find((f: { name: string }) => f.name === 'AGENTS.md'), { name: 'AGENTS.md', exists: true, seen: true, injected: true, injectedChars: a.files.find((f: { name: string }) => f.name === 'AGENTS.md').injectedChars });
    assert.ok(a.headers.includes('# Project Context'));
    assert.deepEqual(a.findings, []);

    write({ contextInjection: 'never' });
    const dropped = await runCli(['probe', 'prompt-sections', '--config', config, '--openclaw', exe!], { env });
    assert.equal(dropped.status, 1, dropped.stderr + dropped.stdout);
    assert.match(dropped.stdout, /^AGENTS\.md\s+yes\s+missing\s+no$/m);
    assert.match(dropped.stdout, /finding: AGENTS\.md exists but did not reach the prompt/);
  });
});

/**
 * A compaction-driving scripted model: growth turns report 30,000 prompt tokens (past C − R of a 32K model),
 * so OpenClaw compacts before the next turn; its summary request is answered by a scripted compactor that
 * keeps only rule-like lines (or everything); the turns after it answer from what their context still holds.
 */
async function compactingModel(keep: 'rule' | 'all') {
  const textOf = (m: Msg) => (typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p) => p.text ?? '').join('') : '');
  const s = await startServer({
    '/v1/models': { json: { object: 'list', data: [{ id: 'mock-1', object: 'model' }] } },
    'POST /v1/chat/completions': (req) => {
      const msgs = (req.body as { messages?: Msg[] })?.messages ?? [];
      const system = msgs.filter((m) => m.role === 'system' || m.role === 'developer').map(textOf).join('\n');
      const rest = msgs.filter((m) => m.role !== 'system' && m.role !== 'developer').map(textOf).join('\n');
      // OpenClaw appends an internal-context user message after the operator's.
      const last = textOf([...msgs].reverse().find((m) => m.role === 'user' && !textOf(m).startsWith('<<<BEGIN_OPENCLAW_INTERNAL')) ?? { role: 'user', content: '' });
      const usage = (n: number) => ({ prompt_tokens: n, completion_tokens: 100, total_tokens: n + 100 });
      if (/summariz/i.test(system) || /<conversation>/.test(rest)) {
        const kept = rest.split('\n').filter((l) => keep === 'all' || /\brule\b|\bmust\b|\bevery\b/i.test(l));
        return { chat: { reply: ['## Decisions', ...kept, '## Open TODOs', 'none', '## Constraints/Rules', 'none', '## Pending user asks', 'none', '## Exact identifiers', 'none'].join('\n'), usage: usage(2000) } };
      }
      const ctx = rest.replace(last, '');
      const find = (re: RegExp) => re.exec(ctx)?.[1];
      const marker = find(/\/\/ (LAL-MARK-[A-Z]+-\d+)/);
      const name = find(/project is called ([A-Z][a-z]+ [A-Z][a-z]+)/);
      const num = find(/retry seed is (\d+)/);
      const sla = find(/p95 under (\d+ ms)/);
      const m = marker ? [`// ${marker}`] : [];
      let reply = 'Acknowledged.';
      if (/Now write two files/.test(last)) reply = ['src/retry.ts', '```ts', ...m, `export const SEED = ${num ?? 42};`, `// timeout within ${sla ?? 'unknown'}`, '```', 'README.md', '```md', ...m, `# ${name ?? 'Our project'}`, '```'].join('\n');
      else if (/Final recall/.test(last)) reply = ['RECALL:', marker ?? '?', name ?? '?', num ?? '?', sla ?? '?'].join('\n');
      else if (/design note/.test(last)) reply = 'A design note. '.repeat(300);
      const compacted = /compacted into the following summary/.test(rest);
      return { chat: { reply, usage: usage(compacted ? 3000 : /design note/.test(last) ? 30000 : 17000) } };
    },
  });
  servers.push(s);
  return s;
}

describe('probe codewords through the real OpenClaw 2026.9.6 and a scripted compactor', { skip }, () => {
  for (const [keep, expected] of [
    ['rule', [true, false, false, false]],
    ['all', [true, true, true, true]],
  ] as const) {
    it(`a compactor that keeps ${keep === 'rule' ? 'only rule-like sentences' : 'everything'}: ${expected.map((e) => (e ? '✔' : '✘')).join(' / ')}`, async () => {
      const s = await compactingModel(keep);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-cw-'));
      const config = path.join(dir, 'openclaw.json');
      fs.writeFileSync(config, JSON.stringify({
        models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${s.port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'Mock One', contextWindow: 32768, maxTokens: 1024 }] } } },
        agents: { defaults: { model: { primary: 'mocklab/mock-1' }, workspace: path.join(dir, 'ws'), skipBootstrap: true, compaction: { mode: 'default', model: 'mocklab/mock-1', keepRecentTokens: 1, recentTurnsPreserve: 0, timeoutSeconds: 60, memoryFlush: { enabled: false } } } },
      }));
      const lab = path.join(dir, '.local-ai-lab');
      const r = await runCli(['probe', 'codewords', '--config', config, '--openclaw', exe!, '--max-growth', '3', '--dir', lab, '--json'], { env: isolatedEnv() });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      const out = JSON.parse(r.stdout);
      const session = out.sessions[0];
      assert.ok(session.matrix.compactions >= 1, 'the conversation was compacted before the work turn');
      const rows = session.matrix.rows as { kind: string; inSummary: boolean; applied: boolean; recalled: boolean; survived: boolean }[];
      assert.deepEqual(rows.map((x) => x.kind), ['rule', 'codename', 'number', 'sla']);
      assert.deepEqual(rows.map((x) => x.survived), expected);
      // Read from the compaction records; OpenClaw's export redacts a long summary, which makes it unknown, never a wrong "no".
      if (keep === 'rule') assert.deepEqual(rows.map((x) => x.inSummary), expected);
      else assert.ok(rows.every((x) => x.inSummary !== false), JSON.stringify(rows));
      // Recorded for the Lab panel: the matrix it draws is this run's, row for row.
      assert.equal(path.dirname(out.record), path.join(lab, 'probes'));
      const view = codewordView(readCodewordRecord(lab, path.basename(out.record, '.json')));
      assert.deepEqual(view.tables[0]!.rows.map((row) => [row[0], row[5]]), rows.map((x, i) => [x.kind, expected[i] ? '✔ yes' : '✘ no']));
      assert.match(view.summary, keep === 'rule' ? /rule 1\/1 · codename 0\/1 · number 0\/1 · sla 0\/1/ : /rule 1\/1 · codename 1\/1 · number 1\/1 · sla 1\/1/);
    });
  }
});
