import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { diffRequest, diffToolOutput, summarizeLayer } from '../../src/core/lab/layer/diff.js';
import { hoverAt } from '../../src/core/hover.js';
import { measuredSession, type MeasuredSession } from '../../src/core/lab/timings.js';
import type { WireRecord } from '../../src/core/lab/wire/schema.js';
import { config, observe } from '../support/observe.js';
import { ProxyConfigError, proxyNamed, readProxies, readProxiesFile, startProxy } from '../../src/core/lab/layer/proxy.js';

const grep = Array.from({ length: 40 }, (_, i) => `src/mod${String(i).padStart(2, '0')}.ts:${i + 10}:const value${i} = compute(${i});`);
const needle = 'src/auth/token.ts:88:export const SESSION_TTL_SECONDS = 86400;';

describe('the layer diff of one tool output', () => {
  it('reads nothing into an unchanged output', () => {
    const d = diffToolOutput([...grep, needle].join('\n'), [...grep, needle].join('\n') + '\n');
    assert.deepEqual([d.dropped.length, d.invented.length, d.markers.length, d.reordered], [0, 0, 0, 0]);
  });

  it('counts dropped lines, the marker apart, and re-sorted kept lines', () => {
    const before = [...grep.slice(0, 20), needle, ...grep.slice(20)].join('\n');
    const kept = [grep[5]!, grep[1]!, grep[9]!];
    const after = [...kept, '[41 matches compressed to 3. Retrieve more: hash=ab12cd]'].join('\n');
    const d = diffToolOutput(before, after);
    assert.equal(d.dropped.length, 38);
    assert.ok(d.dropped.includes(needle));
    assert.deepEqual(d.invented, []);
    assert.deepEqual(d.markers, ['[41 matches compressed to 3. Retrieve more: hash=ab12cd]']);
    assert.equal(d.reordered, 1, 'grep[1] moved behind grep[5]');
  });

  it('calls a line the tool never printed invented, and a start-of-one/end-of-another line fused', () => {
    const before = ['a.ts:1:alpha()', 'b.ts:2:beta()', 'c.ts:3:gamma()'].join('\n');
    const after = ['a.ts:1:beta()', 'c.ts:3:gamma()', 'z.ts:9:nothing here'].join('\n');
    const d = diffToolOutput(before, after);
    assert.deepEqual(d.invented, ['a.ts:1:beta()', 'z.ts:9:nothing here']);
    assert.deepEqual(d.fused, ['a.ts:1:beta()']);
    assert.deepEqual([...d.dropped].sort(), ['a.ts:1:alpha()', 'b.ts:2:beta()']);
  });

  it('treats a line printed twice and delivered once as one dropped', () => {
    assert.deepEqual(diffToolOutput('x\nx\ny', 'x\ny').dropped, ['x']);
  });
});

const body = (toolText: string, extra: Record<string, unknown> = {}, history: unknown[] = []) => ({
  model: 'm',
  tools: [{ type: 'function', function: { name: 'exec' } }],
  messages: [
    { role: 'system', content: 'you are an agent' },
    ...history,
    { role: 'user', content: 'where is the session TTL set?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'exec', arguments: '{"command":"grep -rn TTL"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: toolText },
  ],
  ...extra,
});

describe('the layer diff of one request', () => {
  it('names the tool whose output lost lines, the injected tool, and the planted fact lost', () => {
    const before = body([...grep, needle].join('\n'));
    const after = body(grep.slice(0, 3).join('\n') + '\n[41 matches compressed to 3. Retrieve more: hash=1]', { tools: [{ type: 'function', function: { name: 'exec' } }, { type: 'function', function: { name: 'headroom_retrieve' } }] });
    const d = diffRequest(before, after, { facts: [needle, 'not in any message'] });
    assert.equal(d.messagesChanged, 1);
    assert.equal(d.toolOutputsChanged, 1);
    assert.equal(d.linesDropped, 38);
    assert.equal(d.linesInvented, 0);
    assert.equal(d.markerLines, 1);
    assert.deepEqual(d.byTool, { exec: { dropped: 38, invented: 0 } });
    assert.deepEqual(d.toolsInjected, ['headroom_retrieve']);
    assert.deepEqual(d.factsLost, [needle], 'a fact OpenClaw never sent is not "lost"');
    assert.ok(d.charsAfter < d.charsBefore);
  });

  it('sees an older turn rewritten only when OpenClaw kept it and the layer did not', () => {
    const old = [{ role: 'assistant', content: 'a long earlier answer '.repeat(20) }];
    const shortened = [{ role: 'assistant', content: 'a long earlier answer [shortened]' }];
    const prev = { before: body('x', {}, old), after: body('x', {}, old) };
    const same = diffRequest(body('y', {}, old), body('y', {}, old), { previous: prev });
    assert.equal(same.olderTurnsRewritten, false);
    const busted = diffRequest(body('y', {}, old), body('y', {}, shortened), { previous: prev });
    assert.equal(busted.olderTurnsRewritten, true);
    assert.equal(busted.messagesChanged, 1);
  });

  it('reads the responses API input too', () => {
    const input = (out: string) => ({ input: [{ type: 'message', role: 'user', content: 'q' }, { type: 'function_call', call_id: 'k', name: 'read', arguments: '{}' }, { type: 'function_call_output', call_id: 'k', output: out }] });
    const d = diffRequest(input('one\ntwo\nthree'), input('one\nthree\nfour'));
    assert.deepEqual(d.byTool, { read: { dropped: 1, invented: 1 } });
  });

  it('sums a dispatch: saved tokens estimated from the server count and the characters removed', () => {
    const d1 = diffRequest(body([...grep, needle].join('\n')), body(grep.slice(0, 4).join('\n')), { facts: [needle] });
    const s = summarizeLayer([{ diff: d1, promptTokens: 100 }, { diff: d1, promptTokens: null }], 2, 3);
    assert.ok(s.tokensSaved! > 100, `${s.tokensSaved}`);
    assert.equal(s.linesDropped, 2 * 37);
    assert.deepEqual(s.factsLost, [needle]);
    assert.equal(s.requestsAfter, 3);
    assert.equal(summarizeLayer([{ diff: d1, promptTokens: null }], 1, 1).tokensSaved, null);
  });
});

describe('declared proxies', () => {
  const ok = { name: 'headroom', command: ['headroom', 'proxy', '--port', '{port}', '--openai-api-url', '{upstream}'], health: '/livez' };
  it('reads a list, defaults the health path, and names the field that is wrong', () => {
    assert.equal(readProxies([{ name: 'h', command: ['x', '{port}', '{upstream}'] }], 's')[0]!.health, '/livez');
    assert.throws(() => readProxies([ok, { ...ok, helth: '/x' }], 'localAiLab.lab.proxies'), /localAiLab\.lab\.proxies\[1\]: unknown field "helth"/);
    assert.throws(() => readProxies([{ ...ok, command: 'headroom proxy' }], 's'), /s\[0\]\.command: expected a list$/);
    assert.throws(() => readProxies([{ ...ok, name: 5 }], 's'), /s\[0\]\.name: expected a string$/);
    assert.throws(() => readProxies([{ ...ok, health: 'livez' }], 's'), /s\[0\]\.health: a path starting with "\/"$/);
    assert.throws(() => readProxies([ok, ok], 's'), /declared twice/);
    assert.throws(() => readProxies([{ ...ok, name: 'direct' }], 's'), /arm without a proxy/);
    assert.throws(() => readProxies([{ ...ok, command: ['headroom', '--port', '8787', '{upstream}'] }], 's'), /no \{port\}/);
    assert.throws(() => readProxies({ name: 'x' }, 's'), ProxyConfigError);
    assert.throws(() => proxyNamed([], 'headroom'), /none is declared/);
    assert.throws(() => proxyNamed(readProxies([ok], 's'), 'other'), /declared: headroom/);
  });

  it('reads a file as a list or { proxies }, and says why one cannot be read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-proxies-'));
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ proxies: [ok] }));
    assert.equal(readProxiesFile(path.join(dir, 'a.json'))[0]!.name, 'headroom');
    fs.writeFileSync(path.join(dir, 'b.json'), '[{ name: x }]');
    assert.throws(() => readProxiesFile(path.join(dir, 'b.json')), /not JSON/);
    assert.throws(() => readProxiesFile(path.join(dir, 'none.json')), /cannot read it \(ENOENT\)/);
    assert.throws(() => readProxiesFile(dir), /not a regular file/);
  });

  // A proxy of a few lines of Node: answers its health path with the upstream it was given, and leaves a child
  // process behind in its group, as a real one with workers might.
  const fakeProxy = (extra = '') => [
    process.execPath,
    '-e',
    `const {spawn}=require('node:child_process');spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});${extra}require('node:http').createServer((q,s)=>q.url==='/livez'?s.end(process.argv[2]):s.writeHead(404).end()).listen(+process.argv[1],'127.0.0.1')`,
    '{port}',
    '{upstream}',
  ];
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const group = (pgid: number) =>
    fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          // After ") ": state, ppid, pgrp. A zombie is gone already (nothing reaps orphans in some containers).
          const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
          return f[0] !== 'Z' && Number(f[2]) === pgid;
        } catch {
          return false;
        }
      });

  it('starts a fresh proxy per call on its own port, waits for health, and stop leaves no process of its group', async () => {
    const [decl] = readProxies([{ name: 'fake', command: fakeProxy() }], 's');
    const one = await startProxy(decl!, 'http://127.0.0.1:1234/v1');
    const two = await startProxy(decl!, 'http://127.0.0.1:1234/v1');
    try {
      assert.notEqual(one.url, two.url);
      assert.equal(await (await fetch(one.url + '/livez')).text(), 'http://127.0.0.1:1234/v1');
      assert.ok(group(one.pid).length >= 2, 'the proxy and its child share a group');
    } finally {
      await one.stop();
      await two.stop();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(group(one.pid), []);
    assert.deepEqual(group(two.pid), []);
    assert.equal(alive(one.pid), false);
  });

  it('says why a proxy did not start, and leaves nothing running', async () => {
    const [dies] = readProxies([{ name: 'dies', command: [process.execPath, '-e', 'console.error("bind: address in use");process.exit(3)', '{port}', '{upstream}'] }], 's');
    await assert.rejects(startProxy(dies!, 'http://u'), /dies exited before it answered \/livez \(code 3\): bind: address in use/);
    const [mute] = readProxies([{ name: 'mute', command: fakeProxy(), health: '/readyz-not-there' }], 's');
    await assert.rejects(startProxy(mute!, 'http://u', { healthTimeoutMs: 600 }), /did not answer .*\/readyz-not-there within/);
    const [missing] = readProxies([{ name: 'missing', command: ['/nonexistent/headroom', '{port}', '{upstream}'] }], 's');
    await assert.rejects(startProxy(missing!, 'http://u'), /missing exited before it answered.*ENOENT/);
  });
});

describe('history depth from measurement', () => {
  const settings = { turnTokens: 2000, recordTokens: 400, compression: 0.6 };
  const text = config({ window: 101000, tokens: 90000, compaction: '{ "mode": "default" }', rows: '' });
  const at = text.indexOf('"mode"');
  const session = (extra: Partial<MeasuredSession>): MeasuredSession => ({ id: 's', startedAt: '2026-12-06T00:00:00Z', compactor: null, compactionsMs: [], requests: [], ...extra });

  it('labels the settings as assumptions when no lab session measured anything', () => {
    const obs = observe(text);
    const md = hoverAt(obs, obs.config.doc, at, settings)!.markdown;
    // usable 70,000 − 16,400 = 53,600; 53,600 / (400 × 0.4) = 335
    assert.match(md, /history depth \| 335 records \| 400 a record \(assumed: setting hover\.recordTokens\), 60 % compressed \(assumed: setting hover\.compression\)/);
  });

  it("uses the record size and the proxy's compression the lab sessions measured, and says so", () => {
    // The operator's math: 800-token records, 90.9 % compression through the proxy.
    const measured = { sessions: [session({ recordTokens: [700, 800, 900], layer: { proxy: 'headroom', tokensReceived: 909, tokensSent: 10000 } })] };
    const obs = { ...observe(text), measured };
    const md = hoverAt(obs, obs.config.doc, at, settings)!.markdown;
    // 53,600 / (800 × (1 − 0.9091)) = 737
    assert.match(md, /history depth \| 737 records \| 800 a record \(measured: median of 3 in 1 lab session\), 90\.9 % compressed \(measured through headroom\)/);
  });

  it('reads the record size from how the server-counted prompt grew request by request, and the layer from the server side', () => {
    const rec = (seq: number, dispatch: number, promptTokens: number, layer?: { charsBefore: number; charsAfter: number }) =>
      ({ seq, dispatch, promptTokens, api: 'chat', summary: false, firstTokenMs: 10, ttfbMs: 5, endMs: 20, upstream: 'http://x', model: 'm', ...(layer ? { layer } : {}) }) as unknown as WireRecord;
    const loaded = { session: { id: 'x', startedAt: 't', environment: { proxy: { name: 'headroom', command: [] } } }, dispatches: [] } as unknown as Parameters<typeof measuredSession>[0];
    const m = measuredSession(loaded, [rec(0, 0, 1000, { charsBefore: 4000, charsAfter: 4000 }), rec(1, 0, 1800, { charsBefore: 14000, charsAfter: 7000 }), rec(2, 1, 900), rec(3, 1, 1700), { ...rec(4, 1, 9), side: 'sent' } as WireRecord]);
    assert.deepEqual(m.recordTokens, [800, 800]);
    assert.deepEqual(m.layer, { proxy: 'headroom', tokensReceived: 2800, tokensSent: 4600 });
  });
});
