import { serveLoopback, type LoopbackServer } from './scriptedServer.js';

/**
 * A scripted OpenAI chat-completions server (streaming shapes of reference/runtimes.md §3/§7: `chat.completion.chunk`
 * deltas, a finish reason, a trailing usage chunk with empty `choices`, `data: [DONE]`) for the tools probe, in one of
 * the behaviours operators report (operator-asks.md 6 and 9):
 * - `good`: reads the tool definitions in the request, calls the read or exec tool the prompt names with a
 *   structured `tool_calls` delta, then answers with the code it finds in the tool result message (or says it cannot);
 * - `text`: prints the tool call as text in the content (`<tool_call>{"name":…}</tool_call>`, #66178, #122224);
 * - `invent`: answers a made-up code without calling any tool (#70736);
 * - `hang`: streams `reasoning_content` deltas and never ends (#144286);
 * - `ollama`: an Ollama that prints tool calls as text over its OpenAI-compatible API and answers like `good` over its
 *   native `/api/chat` (NDJSON, `message.tool_calls` with object arguments, a final `done: true` with its counters).
 */
export type ToolBehaviour = 'good' | 'text' | 'invent' | 'hang' | 'ollama';

type Msg = { role?: string; content?: unknown; tool_calls?: unknown };
const text = (c: unknown): string => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p && typeof p === 'object' ? String((p as { text?: unknown }).text ?? '') : '')).join('') : '');

type Action = { say: string } | { call: { name: string; args: object } } | { hang: true };

/** What a behaviour answers to a request: the operator's message, the tool results after it, the tools offered. */
function decide(behaviour: Exclude<ToolBehaviour, 'ollama'>, msgs: Msg[], tools: string[]): Action {
  // The operator's message: OpenClaw appends an internal-context user message after it.
  let at = -1;
  msgs.forEach((m, i) => {
    if (m.role === 'user' && !text(m.content).startsWith('<<<BEGIN_OPENCLAW_INTERNAL')) at = i;
  });
  const prompt = text(msgs[at]?.content);
  const results = msgs.slice(at + 1).filter((m) => m.role === 'tool').map((m) => text(m.content));
  const file = /(lal-tools-[\w-]+\.txt)/.exec(prompt)?.[1];
  const wanted = /exec tool/.test(prompt) ? 'exec' : 'read';
  const args = wanted === 'exec' ? { command: `cat ${file}` } : { path: file };
  if (behaviour === 'hang') return { hang: true };
  if (behaviour === 'invent') return { say: 'The code is LAL-7Q2M-4KXD.' };
  if (behaviour === 'text') return { say: `<tool_call>${JSON.stringify({ name: wanted, arguments: args })}</tool_call>` };
  if (results.length) return { say: /LAL-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(results.join('\n'))?.[0] ?? 'I cannot: the file does not exist, so there is no code to give.' };
  if (!file || !tools.includes(wanted)) return { say: `I have no ${wanted} tool.` };
  return { call: { name: wanted, args } };
}

export interface ToolServer extends LoopbackServer {
  /** Tool names offered in each chat request, in order. */
  readonly offered: string[][];
}

export async function startToolServer(behaviour: ToolBehaviour): Promise<ToolServer> {
  const offered: string[][] = [];
  const server = await serveLoopback((req, res, raw) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.endsWith('/models')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'mock-1', object: 'model' }] }));
    if (behaviour === 'ollama') {
      // Ollama's own REST shapes (reference/runtimes.md §4, §7): detection, the model's capabilities, NDJSON /api/chat.
      const json = (o: unknown) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o));
      if (path === '/') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('Ollama is running');
      if (path === '/api/version') return json({ version: '0.33.0' });
      if (path === '/api/tags') return json({ models: [{ name: 'mock-1', model: 'mock-1', details: { family: 'qwen3', parameter_size: '8B', context_length: 32768 } }] });
      if (path === '/api/ps') return json({ models: [{ name: 'mock-1', model: 'mock-1', context_length: 32768 }] });
      if (path === '/api/show') return json({ capabilities: ['completion', 'tools'], model_info: { 'general.architecture': 'qwen3', 'qwen3.context_length': 32768 }, parameters: '', details: { family: 'qwen3' } });
      if (req.method === 'POST' && path === '/api/chat') {
        const body = JSON.parse(raw || '{}') as { model?: string; messages?: Msg[]; tools?: { function?: { name?: string } }[] };
        const tools = (body.tools ?? []).map((t) => t.function?.name ?? '');
        offered.push(tools);
        const action = decide('good', body.messages ?? [], tools);
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const line = (message: object, done = false, extra: object = {}) => res.write(`${JSON.stringify({ model: body.model ?? 'mock-1', created_at: new Date().toISOString(), message: { role: 'assistant', content: '', ...message }, done, ...extra })}\n`);
        if ('say' in action) for (const w of action.say.split(/(\s+)/)) if (w) line({ content: w });
        if ('call' in action) line({ tool_calls: [{ function: { name: action.call.name, arguments: action.call.args } }] });
        line({}, true, { done_reason: 'stop', total_duration: 900_000_000, load_duration: 1_000_000, prompt_eval_count: 1200, prompt_eval_duration: 400_000_000, eval_count: 12, eval_duration: 300_000_000 });
        return void res.end();
      }
    }
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const body = JSON.parse(raw || '{}') as { model?: string; messages?: Msg[]; tools?: { function?: { name?: string } }[] };
    const tools = (body.tools ?? []).map((t) => t.function?.name ?? '');
    offered.push(tools);
    const msgs = body.messages ?? [];
    // Ollama: tool calls as text over its OpenAI-compatible API, structured over its native one (openclaw#66178, ollama-openai-compat).
    const action = decide(behaviour === 'ollama' ? 'text' : behaviour, msgs, tools);
    const id = `chatcmpl-${Math.random().toString(36).slice(2, 10)}`;
    const chunk = (delta: unknown, finish: string | null = null) => ({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'mock-1', choices: [{ index: 0, delta, finish_reason: finish }] });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    const end = () => {
      send({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'mock-1', choices: [], usage: { prompt_tokens: 1200, completion_tokens: 12, total_tokens: 1212 } });
      res.end('data: [DONE]\n\n');
    };
    send(chunk({ role: 'assistant', content: '' }));
    if ('hang' in action) {
      const t = setInterval(() => !res.destroyed && send(chunk({ reasoning_content: 'Let me think about which tool to use. ' })), 200);
      res.on('close', () => clearInterval(t));
      return;
    }
    if ('say' in action) {
      for (const w of action.say.split(/(\s+)/)) if (w) send(chunk({ content: w }));
      send(chunk({}, 'stop'));
      return end();
    }
    send(chunk({ tool_calls: [{ index: 0, id: `call_${Math.random().toString(36).slice(2, 10)}`, type: 'function', function: { name: action.call.name, arguments: '' } }] }));
    send(chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(action.call.args) } }] }));
    send(chunk({}, 'tool_calls'));
    end();
  });
  return { ...server, offered };
}
