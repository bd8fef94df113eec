import type { ConfigDocument } from '../../openclaw/document.js';
import { wiredConfigText, writePrivateConfig } from '../wire/privateConfig.js';
import { startRecorder, type Recorder } from '../wire/recorder.js';
import type { WireRecord } from '../wire/schema.js';

/**
 * The wire under a probe: one recorder in front of each local model server the config names, and a private
 * copy of the config that points OpenClaw at them (the lab's own wire, attach.ts, without sessions or the
 * sampler). A probe reads what crossed it, including the bodies, which stay in this process's memory for
 * the probe's analysis (which system-prompt section changed, which nonce a tool returned) and are never
 * written anywhere: only what the probe concludes is recorded.
 */
export interface ProbeExchange {
  readonly record: WireRecord;
  /** The request body as sent (null: over the recorder's cap). */
  readonly request: Buffer | null;
  /** The decoded answer (null: over the cap). */
  readonly response: Buffer | null;
}

export interface ProbeWire {
  /** The private config OpenClaw runs with, and the environment that points it there. */
  readonly config: { readonly file: string; readonly env: Record<string, string> };
  /** Providers the wire cannot see, and why. */
  readonly notes: readonly string[];
  /** From now on, requests belong to turn `n` (recorded as the record's `dispatch`). */
  setTurn(n: number | null): void;
  /** Every exchange that has ended so far, in arrival order. */
  exchanges(): ProbeExchange[];
  close(): Promise<void>;
}

/** Options of a probe wire (all optional; added for #24's tools probe). */
export interface ProbeWireOptions {
  /**
   * Rewrites the private copy's text after the providers were pointed at the recorders (the tools probe runs a
   * provider under another `api` this way). The user's file is never touched; the copy must still be one
   * OpenClaw's validator accepts, which the caller checks.
   */
  readonly rewrite?: (wiredText: string) => string;
}

/** `file` and `doc`: the config as the look read it (CheckedFile's `file` and `read.doc`). */
export async function openProbeWire(file: string, doc: ConfigDocument, options: ProbeWireOptions = {}): Promise<ProbeWire> {
  const recorders = new Map<string, Recorder>();
  const ended = new Map<number, { record?: WireRecord; request?: Buffer | null; response?: Buffer | null }>();
  let turn: number | null = null;
  let seq = 0;
  let disposeCopy = () => {};
  const entry = (s: number) => {
    let e = ended.get(s);
    if (!e) ended.set(s, (e = {}));
    return e;
  };
  const closeAll = async () => {
    await Promise.all([...recorders.values()].map((r) => r.close()));
    disposeCopy();
  };
  try {
    const dryRun = wiredConfigText(doc, (_id, upstream) => upstream);
    for (const upstream of new Set(dryRun.upstreams.values())) {
      recorders.set(
        upstream,
        await startRecorder({
          upstream,
          dispatch: () => turn,
          nextSeq: () => seq++,
          onRecord: (r) => void (entry(r.seq).record = r),
          onBodies: (s, request, response) => Object.assign(entry(s), { request, response }),
        }),
      );
    }
    const wired = wiredConfigText(doc, (_id, upstream) => recorders.get(upstream)!.url);
    const copy = writePrivateConfig(file, options.rewrite ? options.rewrite(wired.text) : wired.text);
    disposeCopy = copy.dispose;
    return {
      config: { file: copy.file, env: copy.env },
      notes: wired.notWired.map((n) => `provider ${n.provider}: not recorded (${n.why})`),
      setTurn: (n) => void (turn = n),
      exchanges: () =>
        [...ended.values()]
          .filter((e): e is { record: WireRecord; request?: Buffer | null; response?: Buffer | null } => !!e.record)
          .sort((a, b) => a.record.seq - b.record.seq)
          .map((e) => ({ record: e.record, request: e.request ?? null, response: e.response ?? null })),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** A request body's JSON (null when it was capped or is not JSON). */
export function requestJson(x: ProbeExchange): unknown {
  if (!x.request) return null;
  try {
    return JSON.parse(x.request.toString('utf8'));
  } catch {
    return null;
  }
}

/** The text of an OpenAI / Ollama message's content (string or parts). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

/** The model requests of an exchange list (chat, responses, completions, Ollama chat/generate), summaries included. */
export function modelExchanges(xs: readonly ProbeExchange[]): ProbeExchange[] {
  return xs.filter((x) => x.record.method === 'POST' && ['chat', 'responses', 'completions', 'ollama-chat', 'ollama-generate', 'lmstudio-chat'].includes(x.record.api));
}
