import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runRules } from '../../src/core/rules/registry.js';
import { headroomRisks } from '../../src/core/rules/proxy.js';
import { inspectServer } from '../../src/core/servers/inspect.js';
import { headroomArgvFacts } from '../../src/core/servers/proxies.js';
import { startScriptedProxy } from '../support/scriptedProxy.js';
import { startServer, type ScriptedServer } from '../support/scriptedServer.js';
import { lmStudioRoutes } from '../support/scriptedServer.js';
import { observe, of } from '../support/observe.js';

const children: ChildProcess[] = [];
const servers: { close(): Promise<void> }[] = [];
after(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(servers.map((s) => s.close()));
});

/** The scripted Headroom as a process of its own (so its argv is readable in /proc), in front of a scripted LM Studio. */
async function proxyProcess(flags: string[]): Promise<{ url: string; pid: number; upstream: ScriptedServer }> {
  const upstream = await startServer(lmStudioRoutes());
  servers.push(upstream);
  const child = spawn(process.execPath, [path.join(__dirname, '../support/scriptedProxy.js'), 'proxy', '--host', '127.0.0.1', '--port', '0', '--openai-api-url', `${upstream.url}/v1`, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, upstream };
}

const config = (baseUrl: string, extra = '') => `{
  "models": { "providers": { "box": { "baseUrl": "${baseUrl}", "api": "openai-completions", "apiKey": "local", "models": [{ "id": "qwen/qwen3-coder-30b", "contextWindow": 32768 }] } } },
  "agents": { "defaults": { "model": { "primary": "box/qwen/qwen3-coder-30b" } } }${extra}
}`;

describe('headroom-proxy-risk', () => {
  it('a provider pointing at the scripted Headroom with its defaults: recognised before the LM Studio behind it; each risk with its flag, read from /stats and the argv', async () => {
    const p = await proxyProcess([]);
    const s = await inspectServer(`${p.url}/v1`, { timeoutMs: 2000 });
    assert.equal(s.kind, 'headroom', 'the proxy forwards /lmstudio-greeting; /livez names it first');
    assert.equal(s.proxy?.pid, p.pid);
    assert.deepEqual([s.proxy?.cache, s.proxy?.mode?.value, s.proxy?.injectsRetrieveTool?.value, s.proxy?.protectedTools?.value], [{ value: true, source: 'stats' }, 'token', true, []]);
    const [f, ...rest] = of(runRules(observe(config(`${p.url}/v1`), { runtimes: { box: s } })), 'headroom-proxy-risk');
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, 'warning');
    assert.deepEqual(f!.path, ['models', 'providers', 'box', 'baseUrl']);
    assert.match(f!.message, new RegExp(`is a Headroom proxy \\(pid ${p.pid}\\)`));
    assert.match(f!.message, /The response cache is on \(its \/stats\).*start it with --no-cache\./);
    assert.match(f!.message, new RegExp(`injected into every request \\(the argv of pid ${p.pid}\\).*start it with --no-ccr-inject-tool --no-ccr-marker \\(or --lossless\\)\\.`));
    assert.match(f!.message, /Exec output is compressed .*start it with --protect-tool-results exec,read,process\./);
    assert.match(f!.message, /Token mode .*start it with --mode cache\./);
    assert.deepEqual(f!.fixes, []);
  });

  it('the same proxy with the safe flags: no finding; with the OpenClaw plugin in the slot the injected tool is not a risk', async () => {
    const p = await proxyProcess(['--mode', 'cache', '--no-cache', '--no-rate-limit', '--protect-tool-results', 'exec,read,process', '--lossless']);
    const s = await inspectServer(`${p.url}/v1`, { timeoutMs: 2000 });
    assert.equal(s.kind, 'headroom');
    assert.deepEqual(of(runRules(observe(config(`${p.url}/v1`), { runtimes: { box: s } })), 'headroom-proxy-risk'), []);
    const facts = { product: 'headroom' as const, injectsRetrieveTool: { value: true, source: 'argv' as const } };
    assert.equal(headroomRisks(facts, 'headroom').length, 0);
    assert.equal(headroomRisks(facts, undefined).length, 1);
  });

  it('a proxy whose process cannot be read (here: in this process, no `proxy` verb in its argv) is judged on its /stats alone, and says what it could not read', async () => {
    const upstream = await startServer(lmStudioRoutes());
    const p = await startScriptedProxy({ upstream: `${upstream.url}/v1` });
    servers.push(upstream, p);
    const s = await inspectServer(`${p.url}/v1`, { timeoutMs: 2000 });
    assert.deepEqual([s.kind, s.proxy?.cache?.source, s.proxy?.mode], ['headroom', 'stats', undefined]);
    const [f] = of(runRules(observe(config(`${p.url}/v1`), { runtimes: { box: s } })), 'headroom-proxy-risk');
    assert.match(f!.message, /The response cache is on \(its \/stats\)/);
    assert.match(f!.message, /Not read .*: mode, retrieve-tool injection, protected tools\.$/);
  });

  it('reads Headroom\'s flags from an argv: defaults when absent, = forms, after the interpreter and program', () => {
    assert.equal(headroomArgvFacts(['node', 'server.js', '--port', '1']), undefined);
    const f = headroomArgvFacts(['/usr/bin/python3', '/usr/local/bin/headroom', 'proxy', '--mode=cache', '--protect-tool-results', 'Exec,read', '--no-ccr-inject-tool'])!;
    assert.deepEqual([f.mode?.value, f.protectedTools?.value, f.injectsRetrieveTool?.value, f.cache?.value, f.lossless?.value], ['cache', ['Exec', 'read'], false, true, false]);
    assert.deepEqual(headroomRisks({ product: 'headroom', ...f }, undefined).map((r) => r.fix), ['--no-cache']);
  });
});
