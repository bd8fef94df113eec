import { quantile } from 'simple-statistics';
import type { Fix } from '../findings.js';
import { child, member, numberAt, type JsonNode } from '../openclaw/document.js';
import { EditDeclined, setPaths } from '../openclaw/edit.js';
import type { Provider } from '../openclaw/model.js';
import { compactionLimit, firstTokenLimit, headroomSeconds, nearLimit, type Limit } from '../openclaw/timeouts.js';
import { formatVersion } from '../openclaw/version.js';
import type { Observation } from '../observation.js';
import type { MeasuredSession } from '../lab/timings.js';
import { compactionFix } from './compaction.js';
import { atNode, atObjectKey, defineRule, editFix, finding, type Draft } from './util.js';

/** p90 of a list of durations (the lab's own definition, simple-statistics' quantile); undefined when empty. */
export function p90(values: readonly number[]): number | undefined {
  return values.length ? quantile([...values], 0.9) : undefined;
}

const secs = (ms: number) => ms / 1000;
const s = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} s`;
const pct = (x: number) => `${Math.round(x * 100)} %`;

function numberMember(node: JsonNode | undefined, key: string): { value: number; node: JsonNode } | undefined {
  const m = member(node, key);
  const value = numberAt(m?.value);
  return m && value !== undefined ? { value, node: m.value } : undefined;
}

function sessionsLine(sessions: readonly MeasuredSession[]): string {
  const ids = sessions.map((x) => x.id);
  return `lab session${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`;
}

/** The provider a wire record's upstream (an origin) and model id belong to. */
function providerOf(providers: readonly Provider[], upstream: string, model: string | null): Provider | undefined {
  const origin = (url: string | undefined) => {
    try {
      return new URL(url ?? '').origin;
    } catch {
      return undefined;
    }
  };
  const at = providers.filter((p) => origin(p.baseUrl) === origin(upstream));
  return at.find((p) => model !== null && p.models.some((r) => r.id === model)) ?? at[0];
}

/**
 * timeout-near-limit: a lab session on this machine measured compactions or first tokens whose p90 lies within 80 %
 * of the limit at which the installed OpenClaw gives up on them (openclaw/timeouts.ts has the limits and where each
 * is written in the dist). Only the newest sessions recorded for this config count (lab/timings.ts), and for
 * compactions only those run with the compactor now configured: a smaller compactor, once set, is judged afresh.
 */
export const timeoutNearLimit = defineRule({ id: 'timeout-near-limit', severity: 'warning', reads: 'config', summary: 'a lab session here measured compactions or first tokens within 80 % of the limit at which OpenClaw gives up' }, (obs) => {
  const sessions = obs.measured?.sessions ?? [];
  if (!sessions.length || obs.config.root?.kind !== 'object') return [];
  return [...compactionFinding(obs, sessions), ...firstTokenFindings(obs, sessions)];
});

function compactionFinding(obs: Observation, all: readonly MeasuredSession[]): Draft[] {
  const c = obs.model.compaction;
  const compactor = c.model?.ref ?? null;
  const sessions = all.filter((x) => x.compactor === compactor && x.compactionsMs.length > 0);
  const durations = sessions.flatMap((x) => x.compactionsMs);
  const measured = p90(durations);
  if (measured === undefined) return [];
  const configured = numberMember(c.node, 'timeoutSeconds');
  const limit = compactionLimit(obs.version, configured?.value);
  const p = secs(measured);
  if (!nearLimit(p, limit.seconds)) return [];
  const to = headroomSeconds(p, limit.seconds);
  const primary = obs.model.refs.find((r) => r.role === 'primary');
  const at = configured ? atNode(configured.node) : c.node ? atObjectKey(obs.config.root, c.node) : primary ? atNode(primary.node) : undefined;
  if (!at) return [];
  const who = compactor ?? primary?.ref ?? 'the primary';
  const message =
    `Compactions here take ${s(p)} at p90, ${pct(p / limit.seconds)} of the ${s(limit.seconds)} compaction timeout: some will be cut off. ` +
    `Measured over ${durations.length} compaction${durations.length > 1 ? 's' : ''} summarized by ${who} in ${sessionsLine(sessions)}; ` +
    `OpenClaw ${formatVersion(obs.version)} abandons a compaction after ${limit.source === 'config' ? `${limit.key} (${s(limit.seconds)})` : `${s(limit.seconds)} (its default; ${limit.key} raises it)`}, and the run goes on from the history before it. ` +
    `Raise the timeout to ${to} s (twice the measured p90), or make the summaries faster with a smaller compactor (compaction.model) loaded at a context that fits the summary request.`;
  return [finding('warning', message, at, [compactionFix(obs, `Set compaction.timeoutSeconds to ${to} (twice the measured p90 of ${s(p)})`, true, [[['timeoutSeconds'], to]])])];
}

function firstTokenFindings(obs: Observation, sessions: readonly MeasuredSession[]): Draft[] {
  const root = obs.config.root;
  if (root?.kind !== 'object') return [];
  const agentTimeout = numberMember(child(child(root, 'agents'), 'defaults'), 'timeoutSeconds');
  const out: Draft[] = [];
  for (const provider of obs.model.providers) {
    const mine = sessions.map((x) => ({ session: x, requests: x.requests.filter((r) => providerOf(obs.model.providers, r.upstream, r.model) === provider) })).filter((x) => x.requests.length > 0);
    const firsts = mine.flatMap((x) => x.requests.map((r) => r.firstTokenMs));
    const measured = p90(firsts);
    if (measured === undefined) continue;
    const own = numberMember(provider.node, 'timeoutSeconds');
    const limit = firstTokenLimit(obs.version, { id: provider.id, baseUrl: provider.baseUrl, timeoutSeconds: own?.value }, agentTimeout?.value);
    const p = secs(measured);
    // The provider's own timeoutSeconds is also the whole request's: long answers count against it too.
    const totals = own && limit.key !== 'agents.defaults.timeoutSeconds' ? mine.flatMap((x) => x.requests.map((r) => r.totalMs)) : [];
    const whole = p90(totals);
    const worst = whole !== undefined && secs(whole) > p ? { what: 'whole requests', p: secs(whole) } : { what: 'first tokens', p };
    if (!nearLimit(worst.p, limit.seconds)) continue;
    const allTotals = p90(mine.flatMap((x) => x.requests.map((r) => r.totalMs)));
    // The fix sets the provider's timeoutSeconds, which also bounds the whole request: leave room for the answer too.
    const to = headroomSeconds(Math.max(worst.p, allTotals === undefined ? 0 : secs(allTotals)), limit.seconds);
    const at = limit.key === 'agents.defaults.timeoutSeconds' && agentTimeout ? atNode(agentTimeout.node) : own ? atNode(own.node) : atObjectKey(root, provider.node);
    const n = firsts.length;
    const message =
      `${worst.what === 'first tokens' ? 'First tokens' : 'Requests'} from ${provider.id} take ${s(worst.p)} at p90, ${pct(worst.p / limit.seconds)} of OpenClaw's ${s(limit.seconds)} limit: some will be aborted. ` +
      `Measured over ${n} model request${n > 1 ? 's' : ''} in ${sessionsLine(mine.map((x) => x.session))} (compaction summaries excluded); ` +
      `OpenClaw ${formatVersion(obs.version)} aborts a request whose ${worst.what === 'first tokens' ? 'first token' : 'answer'} has not come after ${limitWords(limit)}. ` +
      `Raise ${limit.key} to ${to} s (twice the measured p90${to > 600 ? '; a run started with openclaw agent --timeout still stops at that' : ''}), or shorten the prompt's prefill (a smaller model, a smaller context).`;
    const fixes: Fix[] = [setNumberFix(obs, limit.key, to, `Set ${limit.key} to ${to} (twice the measured p90 of ${s(worst.p)})`, limit.key === 'agents.defaults.timeoutSeconds' ? agentTimeout?.node : provider.node)];
    out.push(finding('warning', message, at, fixes));
  }
  return out;
}

function limitWords(limit: Limit): string {
  return limit.source === 'config' ? `${limit.key} (${s(limit.seconds)})` : `${s(limit.seconds)} (${limit.where}; ${limit.key} raises it)`;
}

/** A fix that sets one dotted key (no dots inside its segments: provider ids here are checked by OpenClaw's schema). */
function setNumberFix(obs: Observation, key: string, value: number, title: string, near: JsonNode | undefined): Fix {
  return editFix(title, true, () => {
    const root = obs.config.root;
    if (root?.kind !== 'object') throw new EditDeclined('the file is not an object');
    if (near && near.doc !== obs.config.doc) throw new EditDeclined(`${key} lives in an $include file: set it there`);
    return [setPaths(obs.config.doc, root, [[keyPath(key), value]])];
  });
}

function keyPath(key: string): string[] {
  const m = /^models\.providers\.(.+)\.timeoutSeconds$/.exec(key);
  return m ? ['models', 'providers', m[1]!, 'timeoutSeconds'] : key.split('.');
}

