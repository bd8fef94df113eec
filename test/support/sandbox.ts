import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bimodal, lmStudioRoutes, startServer, type ScriptedServer } from './scriptedServer.js';

/**
 * An isolated home for a real VS Code run: `~/.openclaw/openclaw.json` with planted problems (the
 * registered context differs from the loaded one, no compaction model, a retired key, JSON5 comments),
 * a workspace folder, and a scripted LM Studio on a loopback port that also serves chat completions.
 */
export interface Sandbox {
  readonly root: string;
  readonly home: string;
  readonly workspace: string;
  readonly configPath: string;
  readonly server: ScriptedServer;
  /** Environment for processes that should see this home. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export const PLANTED_CONTEXT_WINDOW = 131072;
export const LOADED_CONTEXT = 32768;

export function plantedConfig(port: number): string {
  return `// Sandbox OpenClaw config with planted problems (Local AI Lab).
{
  models: {
    mode: 'merge',
    providers: {
      lmstudio: {
        baseUrl: 'http://127.0.0.1:${port}/v1',
        api: 'openai-completions',
        models: [
          // Registered at 128K; the scripted LM Studio loaded it at 32K.
          { id: 'qwen/qwen3-coder-30b', name: 'Qwen3 Coder 30B', contextWindow: ${PLANTED_CONTEXT_WINDOW}, maxTokens: 8192 },
        ],
      },
    },
  },
  agents: {
    defaults: {
      model: { primary: 'lmstudio/qwen/qwen3-coder-30b' },
      compaction: {
        mode: 'safeguard',
        reserveTokensFloor: 24000, // tuned on 2026.5; retired in 2026.8
      },
    },
  },
  gateway: {
    mode: 'local',
    nodes: {
      // never let a paired node run shell commands
      denyCommands: ['system.run'],
    },
  },
}
`;
}

/** Every six requests: fast, slow, fast, fast, slow, fast (±4 %), so a lab ×6 shows the split deterministically. */
function cycle(fastMs: number, slowMs: number): () => number {
  let i = 0;
  const shape = [fastMs, slowMs, fastMs, fastMs, slowMs, fastMs];
  const jitter = [1.0, 0.97, 1.03, 0.98, 1.04, 1.01];
  return () => {
    const k = i++ % 6;
    return Math.round(shape[k]! * jitter[k]!);
  };
}

export async function createSandbox(opts: { fastMs?: number; slowMs?: number; slowShare?: number } = {}): Promise<Sandbox> {
  // Short path: code-server's unix sockets live under it (~108 characters at most).
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-'));
  const home = path.join(root, 'home');
  const workspace = path.join(root, 'ws');
  fs.mkdirSync(path.join(home, '.openclaw'), { recursive: true });
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'README.md'), '# Sandbox workspace\n\nThe OpenClaw config lives in the sandbox home: ~/.openclaw/openclaw.json\n');
  const server = await startServer({
    ...lmStudioRoutes({ loadedContext: LOADED_CONTEXT }),
    'POST /v1/chat/completions': {
      chat: { reply: 'A context window limits how much text the model can attend to at once; beyond it, history must be summarized or dropped. DONE', latencyMs: opts.slowShare !== undefined ? bimodal(opts.fastMs ?? 200, opts.slowMs ?? 600, opts.slowShare) : cycle(opts.fastMs ?? 200, opts.slowMs ?? 700) },
    },
  });
  const configPath = path.join(home, '.openclaw', 'openclaw.json');
  fs.writeFileSync(configPath, plantedConfig(server.port), { mode: 0o600 });
  return {
    root,
    home,
    workspace,
    configPath,
    server,
    env: { HOME: home, OPENCLAW_NO_AUTO_UPDATE: '1', OPENCLAW_OFFLINE: '1', OPENCLAW_DISABLE_BONJOUR: '1' },
    close: async () => {
      await server.close();
    },
  };
}
