import { FIDELITY_QUESTIONS, NO_MATCH } from '../../src/core/lab/probes/toolFidelityPlan.js';
import { serveLoopback, type LoopbackServer } from './scriptedServer.js';

/**
 * A scripted model for `probe tool-fidelity`: an OpenAI chat-completions server (streamed, llama.cpp-style `timings`
 * and a usage chunk) that answers each planted question from what it READ — the tool messages of the request it
 * received — finding the line the question needs when it is there and saying "no match" when it is not. Prompt
 * tokens are counted from the characters it received (≈ 4 a token), prefill at 0.05 ms a token, so a layer that
 * removes text shows in both.
 */
const EVIDENCE: Record<string, RegExp> = {
  'grep-needle': /^(\S+?):\d+:\s*timeout: 0,/m,
  'log-error': /ERROR .*rejected batch (\d+)/m,
  'json-failed': /"id":"([^"]+)"[^}\n]*"status":"failed"/m,
  'ls-lock': /^(\S+\.lock)$/m,
  'grep-none': /^(\S+?):\d+:\s*timeout: 86400,/m,
};

type Msg = { role?: string; content?: unknown };
const text = (c: unknown): string => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => String((p as { text?: unknown })?.text ?? '')).join('') : '');

export interface FidelityModel extends LoopbackServer {
  /** Every chat body received. */
  readonly bodies: unknown[];
}

export async function startFidelityModel(): Promise<FidelityModel> {
  const bodies: unknown[] = [];
  const server = await serveLoopback((req, res, raw) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.endsWith('/models')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'mock-1', object: 'model' }] }));
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) return void res.writeHead(404).end();
    const body = JSON.parse(raw || '{}') as { model?: string; messages?: Msg[] };
    bodies.push(body);
    const msgs = body.messages ?? [];
    const question = text(msgs.filter((m) => m.role === 'user').at(-1)?.content);
    const q = FIDELITY_QUESTIONS.find((x) => x.text === question);
    const read = msgs.filter((m) => m.role === 'tool').map((m) => text(m.content)).join('\n');
    const found = q ? EVIDENCE[q.id]!.exec(read)?.[1] : undefined;
    const reply = found ?? (q ? NO_MATCH : 'I do not know that question.');
    const promptTokens = Math.ceil(msgs.map((m) => text(m.content)).join('').length / 4);
    const id = `chatcmpl-${Math.random().toString(36).slice(2, 10)}`;
    const chunk = (delta: unknown, finish: string | null = null) => ({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'mock-1', choices: [{ index: 0, delta, finish_reason: finish }] });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }));
    send(chunk({ content: reply }));
    send({ ...chunk({}, 'stop'), timings: { prompt_n: promptTokens, prompt_ms: promptTokens * 0.05, predicted_n: 3, predicted_ms: 30 } });
    send({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'mock-1', choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: 3, total_tokens: promptTokens + 3 } });
    res.end('data: [DONE]\n\n');
  });
  return { ...server, bodies };
}
