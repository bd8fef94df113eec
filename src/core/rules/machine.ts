import { child, member } from '../openclaw/document.js';
import { memoryGB } from '../format.js';
import { isLocalServer } from '../servers/address.js';
import { atKey, finding, defineRule } from './util.js';
import { kvEstimateBytes } from '../machine.js';

const GiB = 1024 ** 3;
export const memoryHeadroom = defineRule({ id: 'memory-headroom', severity: 'warning', reads: 'servers', summary: "loaded models need more than 80 % of this machine's memory" }, (obs) => {
  if (!obs.machine.totalMemoryBytes) return [];
  let total = 0;
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const [, state] of obs.runtimes) {
    // Only servers on this machine use this machine's memory.
    if (state.status !== 'ok' || !/^https?:\/\/(localhost|127\.|\[::1\])/.test(state.baseUrl) || !isLocalServer(state.baseUrl)) continue;
    for (const m of state.loaded) {
      const key = `${new URL(state.baseUrl).host}|${m.identifier}`;
      if (seen.has(key) || !m.sizeBytes) continue;
      seen.add(key);
      const kv = m.loadedContextLength ? kvEstimateBytes(m.loadedContextLength) : 0;
      total += m.sizeBytes + kv;
      parts.push(`${m.identifier} ${(m.sizeBytes / GiB).toFixed(1)} GB + ~${(kv / GiB).toFixed(1)} GB KV`);
    }
  }
  const limit = 0.8 * obs.machine.totalMemoryBytes;
  if (total <= limit) return [];
  const models = member(obs.config.root, 'models');
  if (!models) return [];
  const providers = member(child(obs.config.root, 'models'), 'providers');
  const at = providers ? atKey(providers, ['models']) : atKey(models, []);
  return [
    finding(
      'warning',
      `Loaded models need about ${memoryGB(total, 1)} of this machine's ${memoryGB(obs.machine.totalMemoryBytes)}: expect swapping or a failed load.` +
        ` That is over 80 % (${parts.join('; ')}); unload a model or lower a context. KV sizes are estimates (0.5 GB per 32K tokens).`,
      at,
    ),
  ];
});

export const parseErrors = defineRule({ id: 'parse-error', severity: 'error', reads: 'config', summary: 'the file or an $include is not JSON5 OpenClaw can read' }, function* (obs) {
  for (const doc of obs.config.docs) {
    if (doc.encoding === 'utf16le' || doc.encoding === 'utf16be') {
      // Verified: OpenClaw 2026.9.6 fails at 1:1 on UTF-16 ("JSON5: invalid character") and accepts UTF-8 with a BOM.
      yield finding('error', `This file is UTF-16: OpenClaw reads UTF-8 and rejects it at the first character. Save it as UTF-8 (Make Config Valid for Installed OpenClaw does, keeping every character).`, { doc, span: [0, Math.min(1, doc.text.length)], path: [] });
    }
    if (doc.error) {
      yield finding('error', `${doc.error.message.replace(/\.$/, '')}: OpenClaw cannot read this file. Nothing else is checked until it parses.`, { doc, span: doc.error.span, path: [] });
    }
  }
  const root = obs.config.root;
  if (root && root.kind !== 'object') {
    yield finding('error', 'The config is not an object at the top level: OpenClaw cannot read it.', { doc: root.doc, span: root.span, path: [] });
  }
  for (const p of obs.config.includeProblems) {
    yield finding('error', `$include: ${p.message.replace(/\.$/, '')}.`, { doc: p.node.doc, span: p.node.span, path: p.node.path });
  }
});
