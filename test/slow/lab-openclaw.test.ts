import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { needsOpenclaw } from '../support/needs.js';
import { isolatedEnv } from '../support/openclaw.js';
import { openclawLabProject } from '../support/openclawLab.js';
import { runCli } from '../support/cli.js';
import type { ScriptedServer } from '../support/scriptedServer.js';

const { exe, skip } = needsOpenclaw();
const servers: ScriptedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const run = (args: string[], cwd: string, env: Record<string, string>) => runCli(args, { cwd, env });

async function setup(chat: Parameters<typeof openclawLabProject>[0], gateway?: { port: number; token: string }) {
  const p = await openclawLabProject(chat, gateway);
  servers.push(p.s);
  return p;
}

describe('lab run through the real OpenClaw 2026.9.6', { skip }, () => {
  it('with a Gateway running, transport auto sends each dispatch through it and records "gateway"', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const { dir, config } = await setup({ chat: { reply: 'Through the gateway. DONE' } }, { port, token: 'lab-test-token' });
    fs.writeFileSync(path.join(dir, '.local-ai-lab', 'workloads', 'gw.json'), JSON.stringify({ name: 'gw', dispatcher: 'openclaw', transport: 'auto', prompt: 'Say DONE.', repeats: 2, timeoutSeconds: 120, expectations: { contains: ['DONE'] } }));
    const env = isolatedEnv();
    // The Gateway renames its process and starts a broker in another process group; SIGTERM stops both.
    const gw = spawn(path.join(process.env.LAL_NODE24_BIN!, 'node'), [process.env.LAL_OPENCLAW_ENTRY!, 'gateway', 'run', '--port', String(port), '--bind', 'loopback'], {
      env: { ...process.env, ...env, OPENCLAW_CONFIG_PATH: config },
      detached: true,
      stdio: 'ignore',
    });
    try {
      const deadline = Date.now() + 90_000;
      const listening = () => new Promise<boolean>((r) => { const c = net.connect({ host: '127.0.0.1', port }); c.once('connect', () => { c.destroy(); r(true); }); c.once('error', () => r(false)); });
      while (!(await listening()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
      const r = await run(['lab', 'run', 'gw', '--config', config, '--openclaw', exe!, '--json'], dir, env);
      assert.equal(r.status, 0, r.stderr + r.stdout.slice(0, 2000));
      const out = JSON.parse(r.stdout);
      assert.deepEqual(out.dispatches.map((d: { transport: string; completed: boolean; stopReason: string }) => [d.transport, d.completed, d.stopReason]), [['gateway', true, 'stop'], ['gateway', true, 'stop']]);
      assert.ok(out.dispatches.every((d: { runtimeMs: number }) => d.runtimeMs > 0), 'the Gateway result carries meta.durationMs');
    } finally {
      const exited = new Promise((r) => gw.once('exit', r));
      gw.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      try {
        process.kill(-gw.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
});
