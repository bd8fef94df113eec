import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lmStudioRoutes, startServer, type ScriptedServer } from './scriptedServer.js';

/**
 * A folder for lab runs through the real OpenClaw: a scripted OpenAI-compatible server answering chat with `chat`,
 * openclaw.json pointing at it (with a local Gateway on `gateway.port` when given), and an empty workloads folder.
 * The caller closes the server.
 */
export async function openclawLabProject(chat: Parameters<typeof startServer>[0][string], gateway?: { port: number; token: string }): Promise<{ s: ScriptedServer; dir: string; config: string }> {
  const s = await startServer({ ...lmStudioRoutes(), 'POST /v1/chat/completions': chat });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-ocl-'));
  const config = path.join(dir, 'openclaw.json');
  // The reference's minimal valid config for a loopback OpenAI-compatible server.
  fs.writeFileSync(config, JSON.stringify({
    models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${s.port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [{ id: 'mock-1', name: 'Mock One', contextWindow: 32768, maxTokens: 1024 }] } } },
    agents: { defaults: { model: { primary: 'mocklab/mock-1' } } },
    ...(gateway ? { gateway: { mode: 'local', port: gateway.port, bind: 'loopback', auth: { mode: 'token', token: gateway.token } } } : {}),
  }));
  fs.mkdirSync(path.join(dir, '.local-ai-lab', 'workloads'), { recursive: true });
  return { s, dir, config };
}
