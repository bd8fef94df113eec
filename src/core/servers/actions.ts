import { fmt } from '../format.js';
import type { ServerAction } from '../findings.js';
import { requestJson } from './http.js';
import { lmStudioAuthHeaders } from './secrets.js';

export interface ActionOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly lmStudioToken?: string;
}

/** Runs one server action through LM Studio's REST API. Loads can take minutes; the caller shows progress and can cancel. */
export async function runAction(action: ServerAction, opts: ActionOptions): Promise<string> {
  if (action.kind === 'instruct') return action.text;
  const root = new URL(action.baseUrl);
  const base = `${root.protocol}//${root.host}`;
  // The token goes only where secrets.ts allows: an LM Studio server on this machine or the LAN.
  const headers = lmStudioAuthHeaders(action.baseUrl, action.runtime, opts.lmStudioToken);
  if (action.kind === 'unload') {
    const r = await requestJson(`${base}/api/v1/models/unload`, { method: 'POST', body: { instance_id: action.identifier }, timeoutMs: opts.timeoutMs, signal: opts.signal, headers });
    if (!r.ok) throw new Error(`LM Studio did not unload ${action.identifier}: ${r.failure.message}`);
    return `unloaded ${action.identifier}`;
  }
  const r = await requestJson(`${base}/api/v1/models/load`, {
    method: 'POST',
    body: { model: action.modelKey, context_length: action.contextLength, echo_load_config: true },
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    headers,
  });
  if (!r.ok) throw new Error(`LM Studio did not load ${action.modelKey} at ${fmt(action.contextLength)}: ${r.failure.message}`);
  return `loaded ${action.modelKey} at ${fmt(action.contextLength)}`;
}
