import fs from 'node:fs';
import path from 'node:path';
import { startServer, type ScriptedServer } from './scriptedServer.js';

/**
 * A scripted model for the compression-layer tests: asked a question about a workspace, it calls OpenClaw's `exec`
 * tool with a grep (a tool Headroom does not exclude by default), then answers from the grep output it RECEIVED — the
 * value on the needle line when that line reached it (after two small follow-up commands), "no match" otherwise — and says DONE. `usage.prompt_tokens` is
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
export function writeGrepWorkspace(dir: string, lines = 100): GrepWorkspace {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  const perFile = 20;
  for (let f = 0; f * perFile < lines; f++) {
    const body: string[] = [];
    for (let i = 0; i < perFile && f * perFile + i < lines; i++) body.push(`retry_timeout(${f * perFile + i}); // request timeout`);
    fs.writeFileSync(path.join(dir, 'src', `worker${String(f).padStart(2, '0')}.c`), body.join('\n') + '\n');
  }
  // The answer is the last line of the output and shares no word with the question: a layer that keeps the matches most
  // like the last user message (the earlier ones on a tie) drops it, as in headroom#1307. The output stays small
  // (~4 KB) so the agent's own cap on a tool's output does not cut it.
  fs.writeFileSync(path.join(dir, 'config', 'auth.yaml'), 'name: api\nregion: eu\nexpiry: 86400\n');
  return { dir, command: "grep -rnE 'timeout|expiry' src config", needle: 'config/auth.yaml:3:expiry: 86400', answer: '86400' };
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
      // The grep first, then two small checks (so the grep's output ages out of a proxy's recent window, as it does in
      // a longer agent turn), then the answer from every tool output that reached it.
      // The operator's message: OpenClaw may append an internal-context user message after it (and after tool results).
      const lastUser = messages.map((m) => (m.role === 'user' && !text(m.content).startsWith('<<<BEGIN_OPENCLAW_INTERNAL') ? 'user' : 'other')).lastIndexOf('user');
      const results = messages.slice(Math.max(0, lastUser)).filter((m) => m.role === 'tool');
      const steps = [w.command, 'wc -l config/auth.yaml', 'ls config'];
      if (results.length < steps.length) return { chat: { toolCall: { name: 'exec', arguments: JSON.stringify({ command: steps[results.length] }) }, latencyMs: () => 20, usage: usage(20) } };
      const seen = results.map((m) => text(m.content)).join('\n');
      const answer = seen.includes(w.needle) ? `A login stays valid for ${w.answer} seconds (${w.needle.split(':')[0]}). DONE` : 'No match in the grep output says how long a login stays valid. DONE';
      answers.push(answer);
      return { chat: { reply: answer, latencyMs: () => 20, usage: usage(16) } };
    },
  });
  return Object.assign(s, { answers });
}
