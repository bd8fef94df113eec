import fs from 'node:fs';
import path from 'node:path';
import { startServer, type ScriptedServer } from './scriptedServer.js';

/**
 * A scripted model for the compression-layer tests: asked a question about a workspace, it calls OpenClaw's `exec`
 * tool with a grep (a tool Headroom does not exclude by default), then answers from the grep output it RECEIVED — the
 * value on the needle line when that line reached it, "no match" otherwise — and says DONE. `usage.prompt_tokens` is
 * what it counted (bytes of the request / 4), so a proxy that shrinks the request shows as fewer server-counted tokens.
 */
export interface GrepWorkspace {
  readonly dir: string;
  /** The grep the model runs (in the workspace). */
  readonly command: string;
  /** The one output line that answers the question, exactly as grep prints it. */
  readonly needle: string;
  /** What the answer must contain when the needle reached the model. */
  readonly answer: string;
}

/**
 * `lines` matching lines spread over files under `dir/src`, and the needle in `dir/config/session.yaml`: a grep with
 * one line that matters among many, like the one in headroom#1307.
 */
export function writeGrepWorkspace(dir: string, lines = 200): GrepWorkspace {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  const perFile = 20;
  for (let f = 0; f * perFile < lines; f++) {
    const body: string[] = [];
    for (let i = 0; i < perFile && f * perFile + i < lines; i++) body.push(`  retry_timeout(${f * perFile + i}); // timeout handling for request batch ${f}-${i}`);
    fs.writeFileSync(path.join(dir, 'src', `worker${String(f).padStart(2, '0')}.c`), body.join('\n') + '\n');
  }
  // No word in common with the question the workloads ask ("How long does a login stay valid, in seconds?"): a layer
  // that keeps the lines most like the question drops it.
  fs.writeFileSync(path.join(dir, 'config', 'auth.yaml'), 'name: api\nregion: eu\nexpiry: 86400 # timeout\n');
  return { dir, command: 'grep -rn timeout src config', needle: 'config/auth.yaml:3:expiry: 86400 # timeout', answer: '86400' };
}

type Msg = { role?: string; content?: unknown; tool_calls?: unknown };
const text = (c: unknown): string => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p && typeof p === 'object' ? String((p as { text?: unknown }).text ?? '') : '')).join('') : '');

export interface GrepAgentServer extends ScriptedServer {
  /** Each final answer, in order. */
  readonly answers: string[];
}

export async function startGrepAgentServer(w: GrepWorkspace, model = 'mock-1'): Promise<GrepAgentServer> {
  const answers: string[] = [];
  const s = await startServer({
    '/v1/models': { json: { object: 'list', data: [{ id: model, object: 'model' }] } },
    'POST /v1/chat/completions': (req) => {
      const body = (req.body ?? {}) as { messages?: Msg[] };
      const messages = body.messages ?? [];
      const size = Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4);
      const usage = (out: number) => ({ prompt_tokens: size, completion_tokens: out, total_tokens: size + out });
      const last = [...messages].reverse().find((m) => m.role === 'tool' || m.role === 'user');
      if (last?.role !== 'tool') return { chat: { toolCall: { name: 'exec', arguments: JSON.stringify({ command: w.command }) }, latencyMs: () => 20, usage: usage(20) } };
      const seen = text(last.content);
      const answer = seen.includes(w.needle) ? `A login stays valid for ${w.answer} seconds (${w.needle.split(':')[0]}). DONE` : 'No match in the grep output says how long a login stays valid. DONE';
      answers.push(answer);
      return { chat: { reply: answer, latencyMs: () => 20, usage: usage(16) } };
    },
  });
  return Object.assign(s, { answers });
}
