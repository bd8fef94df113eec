import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { compressToolOutput, jsonLines, MAX_MATCHES, parseProxyArgv, RETRIEVE_TOOL, startScriptedProxy, type ScriptedProxy } from '../support/scriptedProxy.js';
import { startServer, type ScriptedServer } from '../support/scriptedServer.js';

const open: { close(): Promise<void> }[] = [];
after(() => Promise.all(open.map((s) => s.close())));

/** 200 grep matches for "timeout", one of them the needle (the only one that disables it), at position 150. */
const NEEDLE = 'src/legacy/worker.ts:412:  timeout: 0, // disabled: jobs never expire';
const grep200 = (): string =>
  Array.from({ length: 200 }, (_, i) => (i === 150 ? NEEDLE : `src/mod${String(199 - i).padStart(3, '0')}/conf.ts:${i + 1}:  timeout: ${1000 + i},`)).join('\n');
const log120 = (): string => Array.from({ length: 120 }, (_, i) => (i === 70 ? '2026-12-06T05:00:70Z ERROR db: connection refused (pool=orders)' : `2026-12-06T05:00:${i}Z INFO worker: tick ${i}`)).join('\n');
const jobs = (): { id: number; status: string }[] => Array.from({ length: 40 }, (_, i) => ({ id: i + 1, status: i === 23 ? 'failed' : 'ok' }));

describe('the scripted proxy: what it does to one tool output', () => {
  it('keeps 30 grep matches scored by the question, re-sorted by path, with a retrieve marker; the needle is lost', () => {
    const r = compressToolOutput(grep200(), { query: 'Which file disables the timeout entirely?' });
    const lines = r.text.split('\n');
    assert.equal(r.kind, 'grep');
    assert.equal(lines.length, MAX_MATCHES + 1);
    assert.match(lines.at(-1)!, /^\[200 matches compressed to 30\. Retrieve more: hash=[0-9a-f]{12}\]$/);
    assert.ok(!lines.includes(NEEDLE), 'the needle shares no more words with the question than the others: dropped');
    const paths = lines.slice(0, -1).map((l) => l.split(':')[0]!);
    assert.deepEqual(paths, [...paths].sort(), 're-sorted by path');
    assert.ok(lines.slice(0, -1).every((l) => grep200().split('\n').includes(l)), 'nothing invented');
  });

  it('keeps the needle when the question shares its words; --no-ccr-marker drops the marker; lossless drops nothing', () => {
    assert.ok(compressToolOutput(grep200(), { query: 'which jobs never expire?' }).text.split('\n').includes(NEEDLE));
    assert.doesNotMatch(compressToolOutput(grep200(), { query: 'x', marker: false }).text, /Retrieve more|compressed to/);
    const lossless = compressToolOutput(grep200(), { query: 'x', lossless: true });
    assert.equal(lossless.text, grep200());
  });

  it('fuses two kept matches into a false path:line:content pair (headroom#3545), even lossless', () => {
    for (const lossless of [false, true]) {
      const out = compressToolOutput(grep200(), { query: 'x', fuse: true, lossless }).text.split('\n');
      const original = new Set(grep200().split('\n'));
      const invented = out.filter((l) => /^[^\s:]+:\d+:/.test(l) && !original.has(l));
      assert.equal(invented.length, 1, `lossless=${lossless}`);
    }
  });

  it('logs keep first, last, ERROR/WARN lines and a count line over the whole input; JSON keeps boundaries and the anomaly', () => {
    const log = compressToolOutput(log120(), { query: 'what failed?' }).text.split('\n');
    assert.ok(log.includes('2026-12-06T05:00:70Z ERROR db: connection refused (pool=orders)'));
    assert.equal(log.length, 4);
    assert.match(log.at(-1)!, /120 lines compressed to 3\..*; 119 INFO, 1 ERROR\]$/);
    const json = compressToolOutput(jsonLines(jobs()), { query: 'which job failed?' });
    assert.equal(json.kind, 'json');
    const kept = json.text.split('\n');
    assert.ok(kept.includes('  {"id":24,"status":"failed"},'), 'the anomaly, line for line as the tool printed it');
    assert.match(kept.at(-1)!, /^\[40 items compressed to 6\./);
    assert.throws(() => JSON.parse(json.text), 'no longer valid JSON');
  });

  it('a long plain list keeps its ends; small outputs pass untouched', () => {
    const ls = Array.from({ length: 60 }, (_, i) => (i === 30 ? 'MIGRATION_LOCK' : `file${i}.txt`)).join('\n');
    assert.ok(!compressToolOutput(ls, { query: 'is there a lock file?' }).text.split('\n').includes('MIGRATION_LOCK'));
    assert.equal(compressToolOutput('a\nb\nc', { query: '' }).text, 'a\nb\nc');
  });

  it('reads Headroom\'s argv and refuses an unknown flag', () => {
    const f = parseProxyArgv(['proxy', '--host', '127.0.0.1', '--port', '9', '--openai-api-url', 'http://h/v1', '--mode', 'cache', '--no-cache', '--no-rate-limit', '--protect-tool-results', 'exec,read', '--lossless', '--no-ccr-inject-tool', '--no-ccr-marker']);
    assert.deepEqual(f, { host: '127.0.0.1', port: 9, upstream: 'http://h/v1', mode: 'cache', cache: false, rateLimit: false, protect: ['exec', 'read'], lossless: true, injectTool: false, marker: false });
    assert.throws(() => parseProxyArgv(['proxy', '--bogus']), /unrecognized argument: --bogus/);
  });
});

/** A conversation: one exec grep, one Grep-tool grep, then two small recent messages, then the question. */
function conversation(question = 'Which file disables the timeout entirely?') {
  return [
    { role: 'system', content: 'You are an agent.' },
    { role: 'user', content: 'Look into the timeouts.' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'exec', arguments: '{"command":"grep -rn timeout src"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: grep200() },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c2', type: 'function', function: { name: 'grep', arguments: '{"pattern":"timeout"}' } }] },
    { role: 'tool', tool_call_id: 'c2', content: grep200() },
    { role: 'assistant', content: `Long notes. ${'n'.repeat(800)}` },
    { role: 'user', content: 'ok' },
    { role: 'assistant', content: 'Reading.' },
    { role: 'user', content: 'thanks' },
    { role: 'assistant', content: 'Sure.' },
    { role: 'user', content: question },
  ];
}

async function rig(argv: string[] = [], fuse = false): Promise<{ s: ScriptedServer; p: ScriptedProxy }> {
  const s = await startServer({ 'POST /v1/chat/completions': { chat: { reply: 'seen' } }, 'GET /v1/models': { json: { object: 'list', data: [{ id: 'm' }] } } });
  const p = await startScriptedProxy({ upstream: `${s.url}/v1`, argv, fuse });
  open.push(s, p);
  return { s, p };
}
const post = (p: ScriptedProxy, body: object, headers: Record<string, string> = {}) =>
  fetch(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
type Sent = { messages: { role: string; content: unknown }[]; tools?: { function: { name: string } }[] };
const lastSent = (s: ScriptedServer) => s.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body as Sent;

describe('the scripted proxy in front of a server', () => {
  it('compresses exec output but not the Grep tool\'s, injects headroom_retrieve, shortens an older long assistant turn (token mode)', async () => {
    const { s, p } = await rig();
    const r = await post(p, { model: 'm', stream: true, messages: conversation(), tools: [{ type: 'function', function: { name: 'exec' } }] });
    assert.match(await r.text(), /seen/);
    const sent = lastSent(s);
    assert.match(String(sent.messages[3]!.content), /200 matches compressed to 30/);
    assert.equal(sent.messages[5]!.content, grep200(), 'Grep is excluded by default (case-insensitive)');
    assert.match(String(sent.messages[6]!.content), /\[…\]$/);
    assert.deepEqual(sent.tools!.map((t) => t.function.name), ['exec', RETRIEVE_TOOL]);
    const stats = (await (await fetch(`${p.url}/stats`)).json()) as { requests: { total: number }; tokens: { saved: number }; config: { cache: boolean } };
    assert.equal(stats.requests.total, 1);
    assert.ok(stats.tokens.saved > 0);
    assert.equal(stats.config.cache, true);
  });

  it('with the safe flags: nothing lost, no tool injected, older turns left alone', async () => {
    const { s, p } = await rig(['--mode', 'cache', '--no-cache', '--no-rate-limit', '--protect-tool-results', 'exec,read,process', '--lossless']);
    await (await post(p, { model: 'm', stream: true, messages: conversation(), tools: [{ type: 'function', function: { name: 'exec' } }] })).text();
    const sent = lastSent(s);
    assert.deepEqual(sent.messages, conversation());
    assert.deepEqual(sent.tools!.map((t) => t.function.name), ['exec']);
  });

  it('token mode protects a tool result inside the last 4 messages; cache mode does not', async () => {
    const recent = [...conversation().slice(0, 4), { role: 'user', content: 'Which file disables the timeout entirely?' }];
    const a = await rig();
    await (await post(a.p, { model: 'm', stream: true, messages: recent })).text();
    assert.equal(lastSent(a.s).messages[3]!.content, grep200());
    const b = await rig(['--mode', 'cache']);
    await (await post(b.p, { model: 'm', stream: true, messages: recent })).text();
    assert.match(String(lastSent(b.s).messages[3]!.content), /compressed to 30/);
  });

  it('caches a non-streamed response (the server sees one request); --no-cache forwards both', async () => {
    const body = { model: 'm', stream: false, messages: [{ role: 'user', content: 'hi' }] };
    const a = await rig();
    await (await post(a.p, body)).json();
    const second = await post(a.p, body);
    assert.equal(second.headers.get('x-headroom-cached'), 'true');
    assert.equal(a.s.requests.length, 1);
    const b = await rig(['--no-cache']);
    await (await post(b.p, body)).json();
    await (await post(b.p, body)).json();
    assert.equal(b.s.requests.length, 2);
  });

  it('keeps its first decision for a content for its lifetime, whatever the next question says', async () => {
    const { s, p } = await rig();
    await (await post(p, { model: 'm', stream: true, messages: conversation() })).text();
    const first = lastSent(s).messages[3]!.content;
    await (await post(p, { model: 'm', stream: true, messages: conversation('Which jobs never expire?') })).text();
    assert.equal(lastSent(s).messages[3]!.content, first);
    assert.ok(!String(first).includes(NEEDLE));
    // A fresh proxy decides afresh: the question's words now keep the needle.
    const fresh = await rig();
    await (await post(fresh.p, { model: 'm', stream: true, messages: conversation('Which jobs never expire?') })).text();
    assert.ok(String(lastSent(fresh.s).messages[3]!.content).includes(NEEDLE));
  });

  it('fuse: the server reads a grep line the tool never printed', async () => {
    const { s, p } = await rig([], true);
    await (await post(p, { model: 'm', stream: true, messages: conversation() })).text();
    const original = new Set(grep200().split('\n'));
    const lines = String(lastSent(s).messages[3]!.content).split('\n').filter((l) => /^[^\s:]+:\d+:/.test(l));
    assert.equal(lines.filter((l) => !original.has(l)).length, 1);
  });

  it('answers its health, stats, metrics and compress endpoints, passes /v1/models through, and bypasses on x-headroom-bypass', async () => {
    const { s, p } = await rig();
    assert.equal((await fetch(`${p.url}/livez`)).status, 200);
    assert.equal((await fetch(`${p.url}/readyz`)).status, 200);
    assert.deepEqual(((await (await fetch(`${p.url}/v1/models`)).json()) as { data: unknown[] }).data, [{ id: 'm' }]);
    await (await post(p, { model: 'm', stream: true, messages: conversation() }, { 'x-headroom-bypass': 'true' })).text();
    assert.deepEqual(lastSent(s).messages, conversation());
    assert.match(await (await fetch(`${p.url}/metrics`)).text(), /^headroom_requests_total 1$/m);
    assert.equal(((await (await fetch(`${p.url}/stats/reset`, { method: 'POST' })).json()) as { status: string }).status, 'reset');
    assert.equal(((await (await fetch(`${p.url}/stats`)).json()) as { requests: { total: number } }).requests.total, 0);
    const c = (await (await fetch(`${p.url}/v1/compress`, { method: 'POST', body: JSON.stringify({ messages: conversation() }) })).json()) as { messages: { content: unknown }[]; tokens_saved: number };
    assert.match(String(c.messages[3]!.content), /compressed to 30/);
    assert.ok(c.tokens_saved > 0);
    assert.equal(s.requests.filter((r) => r.path === '/v1/chat/completions').length, 1, '/v1/compress calls no model');
  });

  it('rate-limits at 60 requests a minute unless --no-rate-limit', async () => {
    const a = await rig(['--no-cache']);
    const codes: number[] = [];
    for (let i = 0; i < 61; i++) codes.push((await post(a.p, { model: 'm', stream: false, messages: [{ role: 'user', content: `q${i}` }] })).status);
    assert.equal(codes.filter((c) => c === 429).length, 1);
    const b = await rig(['--no-cache', '--no-rate-limit']);
    for (let i = 0; i < 61; i++) assert.equal((await post(b.p, { model: 'm', stream: false, messages: [{ role: 'user', content: `q${i}` }] })).status, 200);
  });

  it('runs as an executable with the real proxy\'s argv, prints its port, and exits on SIGTERM', async () => {
    const s = await startServer({ 'POST /v1/chat/completions': { chat: { reply: 'seen' } } });
    open.push(s);
    const child = spawn(process.execPath, [path.join(__dirname, '../support/scriptedProxy.js'), 'proxy', '--host', '127.0.0.1', '--port', '0', '--openai-api-url', `${s.url}/v1`, '--no-cache'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      child.once('exit', (c) => reject(new Error(`exited ${c}`)));
    });
    assert.equal((await fetch(`http://127.0.0.1:${port}/livez`)).status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
