import type { Provider } from '../openclaw/model.js';
import { atNode, finding, defineRule } from './util.js';
import type { ServerState } from '../servers/types.js';

/** HH:MM in UTC, as findings about a server's last answer say it. */
export const utcClock = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** What to start, by what the server was (or, when it never answered, by its port). */
function whatToStart(p: Provider, s: ServerState): string {
  let port = '';
  try {
    port = new URL(s.baseUrl).port;
  } catch {
    port = '';
  }
  const kind = s.kind ?? (p.id === 'lmstudio' || port === '1234' ? 'lmstudio' : p.id === 'ollama' || port === '11434' ? 'ollama' : undefined);
  switch (kind) {
    case 'lmstudio':
      return "Start LM Studio's server (Developer tab, or `lms server start`).";
    case 'ollama':
      return 'Start Ollama (`ollama serve`, or the Ollama app).';
    case 'llamacpp':
      return 'Start llama-server.';
    case 'vllm':
      return 'Start vLLM (`vllm serve …`).';
    case 'mlx':
      return 'Start mlx_lm.server.';
    default:
      return `Start the server at ${s.baseUrl}.`;
  }
}

/**
 * A provider's server did not answer. Info — a warning when the config changed after the server last
 * answered, since what we last saw may no longer match. The other findings about that server stay, kept
 * from its last answer (servers/withLastKnown), so they do not vanish while it is down.
 */
export const runtimeUnreachable = defineRule({ id: 'runtime-unreachable', severity: 'info/warning', reads: 'config', summary: "a provider's server did not answer: what to start, and the last findings kept as of then" }, function* (obs) {
  for (const p of obs.model.providers) {
    const s = obs.runtimes.get(p.id);
    if (!s || (s.status === 'ok' && !s.stale)) continue;
    const node = p.baseUrlNode ?? p.node;
    if (node.doc !== obs.config.doc && !obs.config.docs.includes(node.doc)) continue;
    const why = s.stale ? (s.stale.detail ?? s.stale.status) : (s.detail ?? s.status);
    const kept = s.stale && s.okAt !== undefined ? ` Findings about it are kept from its last answer at ${utcClock(s.okAt)} UTC.` : '';
    const changedSince = s.okAt !== undefined && obs.configChangedAt !== undefined && obs.configChangedAt > s.okAt;
    yield finding(
      changedSince ? 'warning' : 'info',
      `The model server does not answer: its models cannot be checked or used.` +
        ` ${p.id}: the server at ${s.baseUrl} did not answer (${String(why).replace(/\.$/, '')}). ${whatToStart(p, s)}${kept}${changedSince ? ' The config changed since, so they may be out of date.' : ''}`,
      atNode(node),
    );
  }
});
