import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { lmStudioRoutes, startServer, type Route, type ScriptedServer } from './scriptedServer.js';

/**
 * A scripted OpenAI-compatible server that drives the real OpenClaw into compaction. As the agent model it
 * reads the workspace files one per turn (a `read` tool call), then answers "DONE"; which file is next comes
 * from the last tool result in the request (every line of a file names it), so the script survives the
 * history being replaced by a summary. As the summarizing model (OpenClaw's summarization system prompt,
 * 2026.9.6 compaction: "You are a context summarization assistant") it answers with the section headings
 * OpenClaw's safeguard quality guard requires, in its order (REQUIRED_SUMMARY_SECTIONS). Usage reports the
 * request's size (bytes / 4), so OpenClaw's context accounting crosses its threshold as the reads pile up.
 */
export interface CompactionScript {
  /** Model ids as registered in openclaw.json, with the latency of each (ms). */
  readonly agent: { id: string; latencyMs: number };
  /** How long a summary takes, per model id that may be asked (the primary, a dedicated compactor). */
  readonly summaryLatencyMs: Record<string, number>;
  /** Workspace-relative files the agent reads, in order. */
  readonly files: readonly string[];
  /**
   * Also speak LM Studio's REST API (greeting, models with their loaded instances, load/unload) and hold the
   * agent model to the context it is loaded at: a longer request gets LM Studio's overflow error (HTTP 400,
   * "… greater than the context length …", a text OpenClaw's overflow patterns recognize). The agent id
   * must then be one of the scripted LM Studio's models (`qwen/qwen3-coder-30b`, `qwen3-4b-instruct-2507`); it is
   * the model loaded at start.
   */
  readonly lmStudio?: { loadedContext: number };
  /**
   * Without LM Studio's API: hold the agent model to this context as any server holds it to what it loaded (a longer
   * request gets the same overflow error). Undefined: no limit (the server answers whatever it is sent).
   */
  readonly contextLimit?: number;
  /**
   * A model that degrades in a long context: once a request holds more than this many tokens, its final
   * answer leaves out the wrap-up ("DONE") the task asked for. The tool calls before it are unaffected.
   */
  readonly degradesAboveTokens?: number;
  /** Called on every agent turn with its count (a test's hook to cancel mid-dispatch). */
  readonly onTurn?: (count: number) => void;
}

export const REQUIRED_SUMMARY_HEADINGS = ['## Decisions', '## Open TODOs', '## Constraints/Rules', '## Pending user asks', '## Exact identifiers'];

/** Writes `count` files of about `bytes` each into `workspace`; every line names its file (the script's cursor). */
export function writeWorkspaceFiles(workspace: string, count: number, bytes: number): string[] {
  fs.mkdirSync(workspace, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `notes-${i}.txt`;
    const lines: string[] = [];
    for (let n = 0; lines.join('\n').length < bytes; n++) lines.push(`FILE ${i} line ${n}: the cache eviction policy keeps hot keys and drops cold ones after ${n % 97} seconds.`);
    fs.writeFileSync(path.join(workspace, name), lines.join('\n') + '\n');
    names.push(name);
  }
  return names;
}

export interface CompactionServer extends ScriptedServer {
  /** Summary requests seen, by model id, in order. */
  readonly summaries: string[];
  /** Agent turns seen. */
  readonly turns: () => number;
}

type Message = { role?: string; content?: unknown; tool_calls?: unknown };
const text = (m: Message) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''));

export async function startCompactionServer(script: CompactionScript): Promise<CompactionServer> {
  const summaries: string[] = [];
  let turns = 0;
  const lm = script.lmStudio ? lmStudioRoutes({ loadedContext: script.lmStudio.loadedContext, loadedModel: script.agent.id }) : undefined;
  // The context the agent model is loaded at now (a sweep's plan may reload it), read from the LM Studio routes' own state.
  const loadedContext = (): number | undefined => {
    if (!lm) return undefined;
    const r = (lm['/api/v1/models'] as Route)({ method: 'GET', path: '/api/v1/models', body: undefined });
    const models = (r && 'json' in r ? (r.json as { models: { key: string; loaded_instances: { config: { context_length: number } }[] }[] }).models : []) ?? [];
    return models.find((m) => m.key === script.agent.id)?.loaded_instances[0]?.config.context_length;
  };
  const s = await startServer({
    '/v1/models': { json: { object: 'list', data: [script.agent.id, ...Object.keys(script.summaryLatencyMs)].map((id) => ({ id, object: 'model' })) } },
    ...(lm ? { ...lm, '/v1/models': lm['/v1/models']! } : {}),
    'POST /v1/chat/completions': (req) => {
      const body = (req.body ?? {}) as { model?: string; messages?: Message[] };
      const messages = body.messages ?? [];
      const size = Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4);
      const usage = (out: number) => ({ prompt_tokens: size, completion_tokens: out, total_tokens: size + out });
      const model = body.model ?? script.agent.id;
      if (messages.some((m) => (m.role === 'system' || m.role === 'developer') && text(m).includes('context summarization assistant'))) {
        summaries.push(model);
        const ask = text(messages.at(-1) ?? {}).match(/Read the notes[^"\\]*/)?.[0] ?? 'Read the notes.';
        const summary = [
          '## Decisions', '- Read the workspace notes one file at a time.',
          '## Open TODOs', '- Read the remaining notes files, then answer DONE.',
          '## Constraints/Rules', '- Use the read tool; one file per turn.',
          '## Pending user asks', `- ${ask}`,
          '## Exact identifiers', `- ${script.files.join(', ')}`,
          // A split turn's prefix summary is asked for its own sections (OpenClaw's safeguard checks them).
          ...(messages.some((m) => text(m).includes('## Original Request'))
            ? ['## Original Request', `- ${ask}`, '## Early Progress', '- Some notes files were read.', '## Context for Suffix', '- Continue reading the remaining files.']
            : []),
        ].join('\n');
        return { chat: { reply: summary, latencyMs: () => script.summaryLatencyMs[model] ?? 0, usage: usage(120) } };
      }
      const ctx = loadedContext() ?? script.contextLimit;
      if (ctx !== undefined && size > ctx) {
        const message = `The number of tokens to keep from the initial prompt is greater than the context length (${size} > ${ctx}). Try to load the model with a larger context length, or provide a shorter input.`;
        return { chat: { error: { status: 400, body: { error: message } } } };
      }
      turns++;
      script.onTurn?.(turns);
      // The next file: one past the last file a tool result showed; the first when none has been read.
      const lastTool = [...messages].reverse().find((m) => m.role === 'tool');
      const shown = lastTool ? Number(/FILE (\d+) line/.exec(text(lastTool))?.[1] ?? -1) : -1;
      const next = shown + 1;
      if (next < script.files.length) {
        return { chat: { toolCall: { name: 'read', arguments: JSON.stringify({ path: script.files[next] }) }, latencyMs: () => script.agent.latencyMs, usage: usage(20) } };
      }
      const wrapUp = script.degradesAboveTokens === undefined || size <= script.degradesAboveTokens;
      return { chat: { reply: `Read all ${script.files.length} notes files.${wrapUp ? ' DONE' : ''}`, latencyMs: () => script.agent.latencyMs, usage: usage(12) } };
    },
  });
  return Object.assign(s, { summaries, turns: () => turns });
}

/**
 * A private folder with an openclaw.json whose provider `mocklab` is the server at `port` serving mock-1 (the primary)
 * and mock-compactor, both at a 32K window; `compaction` is agents.defaults.compaction as the test wants it.
 */
export function writeTwoModelConfig(port: number, compaction: Record<string, unknown>, prefix = 'lal-cmp-'): { dir: string; config: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const config = path.join(dir, 'openclaw.json');
  const row = (id: string) => ({ id, name: id, contextWindow: 32768, maxTokens: 1024 });
  fs.writeFileSync(
    config,
    JSON.stringify({
      models: { mode: 'merge', providers: { mocklab: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-mock-local', api: 'openai-completions', models: [row('mock-1'), row('mock-compactor')] } } },
      agents: { defaults: { model: { primary: 'mocklab/mock-1' }, compaction } },
    }),
  );
  return { dir, config };
}
