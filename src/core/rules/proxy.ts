import { child, stringAt } from '../openclaw/document.js';
import type { CompressionProxyFacts, ProxySetting } from '../servers/types.js';
import { atNode, defineRule, finding } from './util.js';

/** Where a setting was read, in the words of a finding. */
const from = (s: ProxySetting<unknown>, pid: number | undefined) => (s.source === 'stats' ? 'its /stats' : `the argv of pid ${pid ?? '?'}`);

/** Each default that confounds a lab or corrupts what the agent reads, with the flag that fixes it (reference/compression.md). */
export function headroomRisks(p: CompressionProxyFacts, pluginSlot: string | undefined): { risk: string; fix: string }[] {
  const out: { risk: string; fix: string }[] = [];
  if (p.cache?.value) out.push({ risk: `the response cache is on (${from(p.cache, p.pid)}): a repeated non-streamed request is answered without the model`, fix: '--no-cache' });
  if (p.injectsRetrieveTool?.value && pluginSlot !== 'headroom') {
    out.push({ risk: `a headroom_retrieve tool is injected into every request (${from(p.injectsRetrieveTool, p.pid)}) and OpenClaw has no such tool (plugins.slots.contextEngine is not "headroom"): the model's call comes back as an unknown tool`, fix: '--no-ccr-inject-tool --no-ccr-marker (or --lossless)' });
  }
  if (p.protectedTools && !p.protectedTools.value.some((t) => t.toLowerCase() === 'exec')) {
    out.push({ risk: `exec output is compressed (${from(p.protectedTools, p.pid)}: not among the protected tools): a grep or ls the agent ran can lose the line that answers it`, fix: '--protect-tool-results exec,read,process' });
  }
  if (p.mode?.value === 'token') out.push({ risk: `token mode (${from(p.mode, p.pid)}) rewrites older turns as they age, so the server's prompt cache is busted`, fix: '--mode cache' });
  return out;
}

/**
 * A provider whose baseUrl answers like a compression proxy (servers/proxies.ts) running with defaults known to
 * confound a lab (a response cache, a rewritten prefix) or corrupt the agent's ground truth (dropped exec lines, an
 * injected tool OpenClaw does not have). Each with the flag that fixes it; the fix is on the proxy's command line, not
 * in openclaw.json, so there is no edit.
 */
export const headroomProxyRisk = defineRule({ id: 'headroom-proxy-risk', severity: 'warning', reads: 'servers', summary: "a provider behind a Headroom proxy whose defaults confound a lab or change what the agent reads" }, function* (obs) {
  const root = obs.config.root;
  const slot = stringAt(child(child(child(root, 'plugins'), 'slots'), 'contextEngine'));
  for (const p of obs.model.providers) {
    const s = obs.runtimes.get(p.id);
    if (s?.kind !== 'headroom' || !s.proxy) continue;
    const node = p.baseUrlNode ?? p.node;
    if (node.doc !== obs.config.doc && !obs.config.docs.includes(node.doc)) continue;
    const risks = headroomRisks(s.proxy, slot);
    if (!risks.length) continue;
    const unread = [!s.proxy.mode && 'mode', !s.proxy.injectsRetrieveTool && 'retrieve-tool injection', !s.proxy.protectedTools && 'protected tools'].filter(Boolean);
    yield finding(
      'warning',
      `A Headroom proxy in front of the model runs with defaults that confound a lab or alter tool output.` +
        ` ${p.id}: ${s.baseUrl} is a Headroom proxy${s.proxy.pid ? ` (pid ${s.proxy.pid})` : ''}. ${risks.map((r) => `${r.risk[0]!.toUpperCase()}${r.risk.slice(1)}: start it with ${r.fix}.`).join(' ')}` +
        (unread.length ? ` Not read (the proxy is not a process on this machine that can be read): ${unread.join(', ')}.` : ''),
      atNode(node),
    );
  }
});
