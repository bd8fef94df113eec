import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startToolServer, type ToolBehaviour, type ToolServer } from '../support/toolServer.js';
import { readToolsRecord, toolsProbe } from '../../src/core/lab/probes/tools.js';
import { keepProbeFixture } from '../support/probeFixtures.js';

/**
 * `probe tools` through the real OpenClaw 2026.9.6 against scripted chat-completions servers: one that calls the
 * read and exec tools OpenClaw offers and answers from their results (tools work, exit 0), and three that misbehave
 * as operators report (a tool call printed as text, an invented code, reasoning streamed forever), each with its bad
 * verdict (exit 1); and an Ollama whose OpenAI-compatible API prints the calls as text while its native API calls them,
 * run in both modes (the native one on the probe's private copy with api "ollama"). The four probes run at once (each in its own OpenClaw home), so the file takes about as long as
 * its longest probe; the misbehaving ones run only the read task, the hang with a 60 s turn timeout.
 */
const { exe, skip } = needsOpenclaw();
const servers: ToolServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

interface Probe {
  server: ToolServer;
  ws: string;
  lab: string;
  result: CliResult;
}

async function probe(behaviour: ToolBehaviour, extra: string[]): Promise<Probe> {
  const server = await startToolServer(behaviour);
  servers.push(server);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lal-tools-${behaviour}-`));
  const ws = path.join(dir, 'workspace');
  fs.mkdirSync(ws);
  // A workspace as operators have one (OpenClaw refuses a workspace it initialized that is empty again).
  fs.writeFileSync(path.join(ws, 'AGENTS.md'), '# House rules\nAnswer briefly.\n');
  const config = path.join(dir, 'openclaw.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      models: { mode: 'merge', providers: { mocklab: { baseUrl: `${server.url}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'Mock One', contextWindow: 32768, maxTokens: 1024 }] } } },
      agents: { defaults: { model: { primary: 'mocklab/mock-1' }, workspace: ws, skipBootstrap: true } },
    }),
  );
  const lab = path.join(dir, '.local-ai-lab');
  const result = await runCli(['probe', 'tools', '--config', config, '--openclaw', exe!, '--dir', lab, '--json', ...extra], { env: isolatedEnv() });
  return { server, ws, lab, result };
}

type Row = { ref: string; mode: string; verdict: string; evidence: string; fix: { change: string; rule: string | null } | null; tasks: { task: string; toolCalls: string[]; nonceInToolResult: boolean; invented: string | null; hang: string | null; right: boolean; reasoningStreamed: boolean }[] };
const rowsOf = (p: Probe): Row[] => {
  const record = JSON.parse(p.result.stdout) as { kind: string; result: { rows: Row[] } };
  assert.equal(record.kind, 'tools');
  return record.result.rows;
};
const rowOf = (p: Probe): Row => {
  const rows = rowsOf(p);
  assert.equal(rows.length, 1);
  return rows[0]!;
};
/** The probe removed the files it wrote into the workspace. */
const cleaned = (p: Probe) => assert.deepEqual(fs.readdirSync(p.ws).filter((f) => f.startsWith('lal-tools-')), []);

describe('probe tools through the real OpenClaw 2026.9.6 and scripted servers', { skip }, () => {
  const probes: Partial<Record<ToolBehaviour, Probe>> = {};
  before(async () => {
    const [good, text, invent, hang, ollama] = await Promise.all([
      probe('good', ['--timeout', '150']),
      probe('text', ['--tasks', 'read', '--timeout', '150']),
      probe('invent', ['--tasks', 'read', '--timeout', '150']),
      // The turn timeout counts from OpenClaw's start: with five OpenClaw processes booting at once beside another slow
      // file on 2 cores, 20 s once ran out before the request reached the server (a hang with nothing streamed; CI).
      // 60 s makes the file ~25 s longer (100 s quiet), a price for a verdict that does not depend on the load.
      probe('hang', ['--tasks', 'read,exec', '--timeout', '60']),
      probe('ollama', ['--api', 'completions,ollama', '--tasks', 'read', '--timeout', '150']),
    ]);
    Object.assign(probes, { good, text, invent, hang, ollama });
  });

  it('a server that calls the read and exec tools and answers from their results: tools work (exit 0)', () => {
    const p = probes.good!;
    assert.equal(p.result.status, 0, p.result.stderr + p.result.stdout);
    const row = rowOf(p);
    assert.equal(row.ref, 'mocklab/mock-1');
    assert.equal(row.mode, 'completions');
    assert.equal(row.verdict, 'tools work', JSON.stringify(row));
    assert.equal(row.fix, null);
    assert.deepEqual(row.tasks.map((t) => [t.task, t.toolCalls, t.nonceInToolResult, t.right]), [
      ['read', ['read'], true, true],
      ['exec', ['exec'], true, true],
      ['impossible', ['read'], false, true],
    ]);
    // OpenClaw offered the tools the server called (the embedded agent's own names, read from the request).
    assert.ok(p.server.offered[0]!.includes('read') && p.server.offered[0]!.includes('exec'), p.server.offered[0]!.join(', '));
    cleaned(p);
    // Recorded for the Lab panel: the view's row is this run's.
    const record = readToolsRecord(p.lab, fs.readdirSync(path.join(p.lab, 'probes'))[0]!.replace(/\.json$/, ''));
    const view = toolsProbe.view(record);
    assert.equal(view.tone, 'good');
    assert.deepEqual(view.table.rows.map((r) => [r.cells[0], r.cells[1], r.cells[8]]), [['mocklab/mock-1', 'openai-completions', 'tools work']]);
    assert.equal(toolsProbe.summary(record), '1 row: tools work');
    keepProbeFixture(p.lab, 'tools-work');
  });

  it('a server that prints the tool call as text: "tool calls as text" (exit 1), fix compat.supportsTools (model-lacks-tools)', () => {
    const p = probes.text!;
    assert.equal(p.result.status, 1, p.result.stderr + p.result.stdout);
    const row = rowOf(p);
    assert.equal(row.verdict, 'tool calls as text', JSON.stringify(row));
    assert.deepEqual(row.tasks[0]!.toolCalls, []);
    assert.deepEqual(row.fix && [row.fix.change, row.fix.rule], ['compat.supportsTools: false on the row', 'model-lacks-tools']);
    cleaned(p);
    keepProbeFixture(p.lab, 'tools-calls-as-text');
  });

  it('a server that answers a made-up code without calling a tool: "invents tool output" (exit 1)', () => {
    const p = probes.invent!;
    assert.equal(p.result.status, 1, p.result.stderr + p.result.stdout);
    const row = rowOf(p);
    assert.equal(row.verdict, 'invents tool output', JSON.stringify(row));
    assert.equal(row.tasks[0]!.invented, 'LAL-7Q2M-4KXD');
    assert.equal(row.tasks[0]!.nonceInToolResult, false);
    assert.equal(row.fix?.rule, 'model-lacks-tools');
    cleaned(p);
  });

  it('a server that streams reasoning and never ends: "hangs" within the turn timeout (exit 1), the rest of the row skipped', () => {
    const p = probes.hang!;
    assert.equal(p.result.status, 1, p.result.stderr + p.result.stdout);
    const row = rowOf(p) as Row & { skipped?: string[] };
    assert.equal(row.verdict, 'hangs', JSON.stringify(row));
    assert.equal(row.tasks.length, 1);
    assert.equal(row.tasks[0]!.hang, 'stream');
    assert.equal(row.tasks[0]!.reasoningStreamed, true);
    assert.deepEqual(row.skipped, ['exec']);
    // The row does not say reasoning: true, and the server streamed reasoning.
    assert.deepEqual(row.fix && [row.fix.change, row.fix.rule], ['reasoning: true on the row', 'reasoning-mismatch']);
    cleaned(p);
  });

  it('an Ollama that prints tool calls as text over /v1 and calls them over /api/chat: two rows, the fix is api "ollama" (ollama-openai-compat), measured', () => {
    const p = probes.ollama!;
    assert.equal(p.result.status, 1, p.result.stderr + p.result.stdout);
    const rows = rowsOf(p);
    assert.deepEqual(rows.map((r) => [r.mode, r.verdict]), [['completions', 'tool calls as text'], ['ollama', 'tools work']], JSON.stringify(rows));
    assert.deepEqual(rows[0]!.fix && [rows[0]!.fix.change, rows[0]!.fix.rule], ['api: "ollama" (the baseUrl without /v1) on mocklab', 'ollama-openai-compat']);
    assert.deepEqual(rows[1]!.tasks.map((t) => [t.toolCalls, t.nonceInToolResult, t.right]), [[['read'], true, true]]);
    cleaned(p);
  });
});
