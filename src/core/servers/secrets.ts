import { isLocalServer, serverRoot } from './address.js';
import type { RuntimeKind } from './types.js';

/**
 * Where LM Studio's API token may go: the one decision, in one place. The token (secret storage or
 * LM_API_TOKEN) is sent only to a server that
 *   1. the probe identified as LM Studio (`kind === 'lmstudio'`: it answered `/lmstudio-greeting` with
 *      `{"lmstudio": true}`, or it is on port 1234 and answered as no other server Local AI Lab knows), and
 *   2. is on this machine or the local network (`isLocalServer`), over http(s).
 * Never to Ollama, llama.cpp, vLLM, mlx_lm.server or an unidentified OpenAI-compatible server, never to a
 * hosted host, and never on the identification requests themselves (they go out before the kind is known).
 * A provider's id (`lmstudio`) alone is not enough: any id can point anywhere.
 */
export function tokenFor(baseUrl: string, kind: RuntimeKind | undefined, token: string | undefined): string | undefined {
  if (!token || kind !== 'lmstudio') return undefined;
  if (!serverRoot(baseUrl) || !isLocalServer(baseUrl)) return undefined;
  return token;
}

/** `tokenFor` as request headers: `{ authorization: 'Bearer …' }` or none. */
export function lmStudioAuthHeaders(baseUrl: string, kind: RuntimeKind | undefined, token: string | undefined): Record<string, string> {
  const t = tokenFor(baseUrl, kind, token);
  return t ? { authorization: `Bearer ${t}` } : {};
}
