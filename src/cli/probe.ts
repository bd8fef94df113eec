import { UsageError } from './support.js';
import { agentOption, integerOption, labDir } from './args.js';
import { withCtrlC } from './ctrlC.js';
import { cliLabEnv, cliReporter, restoreLine } from './labEnv.js';
import { promptSectionsLines, runPromptSectionsProbe } from '../core/lab/experiments/promptSections.js';
import { aggregate, runCodewordProbe } from '../core/lab/experiments/codewordRun.js';
import { survivalLines } from '../core/lab/experiments/codewords.js';
import { UnknownProfile } from '../core/lab/look.js';
import { LabPreflightError } from '../core/lab/session.js';
import { MAX_TIMEOUT_SECONDS } from '../core/lab/workloadSchema.js';
import { lookWithProfiles } from '../core/lab/experiments/labRun.js';
import type { ProbeCommonOptions, ProbeOutcome } from '../core/lab/probes/common.js';
import type { ProbeRecordLike } from '../core/lab/probes/module.js';
import { DEFAULT_FILL_TURNS, fillGood, fillLines, fillPlan, fillProbe, MAX_FILL_TURNS, runFillProbe } from '../core/lab/probes/fill.js';
import { MAX_STEP_TOKENS } from '../core/lab/probes/fillAnalysis.js';
import { isWorkspaceFileName, PREFIX_DEFAULT_TURNS, PREFIX_MAX_TURNS, prefixPlanLines, prefixStabilityLines, prefixStabilityPlan, prefixStabilityProbe, runPrefixStabilityProbe } from '../core/lab/probes/prefixStability.js';

/** `probe prompt-sections`: which workspace files reached the agent's system prompt (README, "Prompt-sections probe"). */
export async function probePromptSections(o: { agent?: string; config?: string; openclaw?: string; timeout?: string; json?: boolean; 'allow-hosted'?: boolean }): Promise<number> {
  const agent = agentOption(o.agent);
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 600, what: 'a number of seconds' });
  return withCtrlC(undefined, async (signal) => {
    let r;
    try {
      r = await runPromptSectionsProbe({ env: cliLabEnv(o), agent, timeoutMs: timeoutS * 1000, signal });
    } catch (err) {
      // OpenClaw retries an unreachable server for ~90 s; the endpoint check says what to start in about two.
      if (!(err instanceof LabPreflightError)) throw err;
      console.error(`local-ai-lab: ${err.message}`);
      return 1;
    }
    if (o.json) console.log(JSON.stringify({ agent, config: r.config, ...r.report, reply: r.reply, ...(r.error ? { error: r.error } : {}) }, null, 2));
    else {
      if (r.error) console.error(`local-ai-lab: the probe turn failed: ${r.error}`);
      for (const l of promptSectionsLines(r.report)) console.log(l);
    }
    if (r.error) return 1;
    return r.report.findings.some((f) => / did not reach the prompt/.test(f)) ? 1 : 0;
  });
}

/** `probe codewords`: does the compactor carry what matters? (README, "Planted-codeword probe"). The same core as the editor's. */
export async function probeCodewords(o: {
  profile?: string;
  profiles?: string;
  'keep-profile'?: boolean;
  n?: string;
  agent?: string;
  'max-growth'?: string;
  dir?: string;
  config?: string;
  openclaw?: string;
  timeout?: string;
  json?: boolean;
  'allow-hosted'?: boolean;
}): Promise<number> {
  const n = integerOption('-n', o.n, { max: 100, fallback: 1 });
  const maxGrowth = integerOption('--max-growth', o['max-growth'], { max: 50, fallback: 6 });
  const agent = agentOption(o.agent);
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 600, what: 'a number of seconds' });
  const json = !!o.json;
  return withCtrlC(undefined, async (signal) => {
    let r;
    try {
      // Under --profile P: applied before the first turn, the state from before put back at the end (as lab run --profile).
      r = await runCodewordProbe({
        env: cliLabEnv(o),
        agent,
        n,
        maxGrowthTurns: maxGrowth,
        timeoutMs: timeoutS * 1000,
        root: labDir(o),
        profile: o.profile,
        keep: !!o['keep-profile'],
        signal,
        report: { ...cliReporter(json, o.profile ? `profile ${o.profile}: ` : ''), turn: (i, of, what) => !json && process.stderr.write(`session ${i + 1}/${of}: ${what}\n`) },
      });
    } catch (err) {
      if (err instanceof UnknownProfile) throw new UsageError(err.message);
      throw err;
    }
    const line = o.profile ? restoreLine(o.profile, r.outcome.restore, 'the probe') : undefined;
    if (line) console.error(line);
    const failed = r.outcome.arms.find((a) => a.error)?.error ?? (r.outcome.status === 'failed' ? r.outcome.error : undefined);
    if (failed) console.error(`local-ai-lab: ${o.profile && r.outcome.arms.some((a) => a.error) ? `profile ${o.profile} was not applied: ${failed}` : failed}`);
    const agg = aggregate(r.sessions);
    if (json) console.log(JSON.stringify({ config: r.config, agent, profile: o.profile ?? null, n: r.sessions.length, sessions: r.sessions, survived: agg.survived, record: r.record, ...(failed ? { error: failed } : {}) }, null, 2));
    else {
      for (const [i, s] of r.sessions.entries()) {
        console.log(`session ${i + 1} (${s.sessionKey}, ${s.turns} turns)${s.error ? `: ${s.error}` : ''}`);
        for (const l of survivalLines(s.matrix)) console.log(`  ${l}`);
      }
      if (r.sessions.length > 1) console.log(`survived: ${Object.entries(agg.survived).map(([k, v]) => `${k} ${v.survived}/${v.of}`).join(', ')}`);
      console.log(`recorded: ${r.record}`);
    }
    return failed || r.sessions.some((s) => s.error) || r.outcome.restore?.ok === false ? 1 : 0;
  });
}

/** The options every wire probe's command takes (commands.ts PROBE_OPTIONS and the profile ones). */
interface WireProbeArgs {
  profile?: string;
  profiles?: string;
  'keep-profile'?: boolean;
  agent?: string;
  dir?: string;
  config?: string;
  openclaw?: string;
  timeout?: string;
  json?: boolean;
  'dry-run'?: boolean;
  'allow-hosted'?: boolean;
}

/** The look a dry run plans on, every profile named checked first (an unknown one is a usage error). */
async function dryRunLook(o: WireProbeArgs) {
  try {
    return await lookWithProfiles(cliLabEnv(o), o.profile ? [o.profile] : []);
  } catch (err) {
    if (err instanceof UnknownProfile) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * What the three wire probes share at the command line: Ctrl-C, the probe run with the common options, the profile's
 * restore line, why it did not finish, the record printed (`--json`: the record and where it is), and the exit code
 * (0 only for a finished run whose record reads good and whose borrowed state is back).
 */
async function wireProbeCommand<R extends ProbeRecordLike>(
  o: WireProbeArgs,
  p: {
    readonly kind: string;
    /** Said on Ctrl-C (not with --json). */
    readonly cancelling?: string;
    /** Progress lines for each turn start with this. */
    readonly turnPrefix?: string;
    readonly timeoutS: number;
    readonly run: (common: ProbeCommonOptions) => Promise<ProbeOutcome<unknown> & { record?: string }>;
    /** Errors of the probe's own that are usage errors (exit 2). */
    readonly usage?: (err: unknown) => boolean;
    readonly read: (root: string, id: string) => R;
    readonly lines: (r: R) => string[];
    readonly good: (r: R) => boolean;
  },
): Promise<number> {
  const json = !!o.json;
  const root = labDir(o);
  return withCtrlC(json ? undefined : p.cancelling, async (signal) => {
    let r;
    try {
      r = await p.run({
        env: cliLabEnv(o),
        agent: agentOption(o.agent),
        timeoutMs: p.timeoutS * 1000,
        root,
        profile: o.profile,
        keep: !!o['keep-profile'],
        signal,
        report: { ...cliReporter(json, o.profile ? `profile ${o.profile}: ` : ''), turn: (what) => !json && process.stderr.write(`${p.turnPrefix ?? ''}${what}\n`) },
      });
    } catch (err) {
      if (err instanceof UnknownProfile || p.usage?.(err)) throw new UsageError((err as Error).message);
      if (!(err instanceof LabPreflightError)) throw err;
      console.error(`local-ai-lab: ${err.message}`);
      return 1;
    }
    const line = o.profile ? restoreLine(o.profile, r.outcome.restore, 'the probe') : undefined;
    if (line) console.error(line);
    const failed = r.outcome.arms.find((a) => a.error)?.error ?? (r.outcome.status === 'failed' ? r.outcome.error : undefined);
    if (failed) console.error(`local-ai-lab: ${o.profile && r.outcome.arms.some((a) => a.error) ? `profile ${o.profile} was not applied: ${failed}` : failed}`);
    const record = r.record ? p.read(root, r.id) : undefined;
    if (json) console.log(JSON.stringify(record ? { ...record, record: r.record } : { kind: p.kind, id: r.id, config: r.config, notes: r.notes, error: failed ?? 'the probe did not run' }, null, 2));
    else if (record) {
      for (const l of p.lines(record)) console.log(l);
      console.log(`recorded: ${r.record}`);
    }
    return record && !failed && p.good(record) && r.outcome.status === 'complete' && r.outcome.restore?.ok !== false ? 0 : 1;
  });
}

/** `probe prefix-stability`: does each turn reuse the server's prompt cache, and what breaks it (README, "Prompt-cache reuse probe"). */
export async function probePrefixStability(o: WireProbeArgs & { turns?: string; 'touch-workspace-file'?: string }): Promise<number> {
  const turns = integerOption('--turns', o.turns, { max: PREFIX_MAX_TURNS, fallback: PREFIX_DEFAULT_TURNS });
  const agent = agentOption(o.agent);
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 600, what: 'a number of seconds' });
  const touch = o['touch-workspace-file'];
  if (touch !== undefined && !isWorkspaceFileName(touch)) throw new UsageError(`--touch-workspace-file: "${touch}" is not a file name in the workspace (such as AGENTS.md)`);
  if (touch !== undefined && turns < 2) throw new UsageError('--touch-workspace-file touches the file before turn 2: give --turns 2 or more');
  if (o['dry-run']) {
    const now = await dryRunLook(o);
    const plan = prefixStabilityPlan({ file: now.file, doc: now.read.doc, agent, turns, timeoutMs: timeoutS * 1000, ...(o.profile ? { profile: o.profile } : {}), ...(touch ? { touchWorkspaceFile: touch } : {}) });
    if (o.json) console.log(JSON.stringify(plan, null, 2));
    else for (const l of prefixPlanLines(plan)) console.log(l);
    return 0;
  }
  return wireProbeCommand(o, {
    kind: 'prefix-stability',
    cancelling: 'cancelling: the turn in flight is stopped, then the state from before is restored',
    timeoutS,
    run: (common) => runPrefixStabilityProbe({ ...common, turns, ...(touch ? { touchWorkspaceFile: touch } : {}) }),
    read: prefixStabilityProbe.read,
    lines: prefixStabilityLines,
    good: (r) => r.result?.tone === 'good',
  });
}

/** A comma-separated list option whose items must be among `allowed` (a usage error names the flag and the item). */
function listOption<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`${flag}: give one or more of ${allowed.join(', ')}`);
  for (const i of items) if (!allowed.includes(i as T)) throw new UsageError(`${flag}: "${i}" is not one of ${allowed.join(', ')}`);
  return items as T[];
}

/** `probe tools`: do tool calls work for the model OpenClaw uses, per API mode (README, "Tool-calling probe"). The same core as the editor's. */
export async function probeTools(o: WireProbeArgs & { model?: string; api?: string; tasks?: string }): Promise<number> {
  const tools = await import('../core/lab/probes/tools.js');
  const agent = agentOption(o.agent);
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 300, what: 'a number of seconds' });
  const models = o.model === undefined ? undefined : o.model.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of models ?? []) if (!/^[^/\s]+\/\S+$/.test(m)) throw new UsageError(`--model: "${m}" is not a "provider/model" reference`);
  if (models && !models.length) throw new UsageError('--model: give one or more "provider/model" references, comma-separated');
  const modes = listOption('--api', o.api, tools.API_MODES);
  const tasks = listOption('--tasks', o.tasks, tools.TOOL_TASKS);
  if (o['dry-run']) {
    let plan;
    try {
      const { look } = await import('../core/lab/look.js');
      plan = tools.toolsPlan(await look(cliLabEnv(o)), { agent, models, modes, tasks, profile: o.profile });
    } catch (err) {
      if (err instanceof tools.ToolsPlanError) throw new UsageError(err.message);
      throw err;
    }
    if (o.json) console.log(JSON.stringify({ dryRun: true, timeoutSeconds: timeoutS, ...plan }, null, 2));
    else for (const l of tools.toolsPlanLines(plan, timeoutS)) console.log(l);
    return 0;
  }
  return wireProbeCommand(o, {
    kind: 'tools',
    timeoutS,
    run: (common) => tools.runToolsProbe({ ...common, models, modes, tasks }),
    usage: (err) => err instanceof tools.ToolsPlanError,
    read: tools.readToolsRecord,
    lines: tools.toolsLines,
    good: tools.toolsGood,
  });
}

/** `probe fill`: the usable context, turn by turn (README, "Usable-context probe"). The same core as the editor's. */
export async function probeFill(o: WireProbeArgs & { 'max-turns'?: string; step?: string }): Promise<number> {
  const maxTurns = integerOption('--max-turns', o['max-turns'], { min: 3, max: MAX_FILL_TURNS, fallback: DEFAULT_FILL_TURNS, what: 'a number of turns' });
  const stepTokens = o.step === undefined ? undefined : integerOption('--step', o.step, { min: 100, max: MAX_STEP_TOKENS, fallback: 0, what: 'a number of tokens' });
  const agent = agentOption(o.agent);
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 600, what: 'a number of seconds' });
  if (o['dry-run']) {
    const lines = fillPlan(await dryRunLook(o), { agent, profile: o.profile, maxTurns, stepTokens });
    if (o.json) console.log(JSON.stringify({ dryRun: true, plan: lines }, null, 2));
    else for (const l of lines) console.log(l);
    return 0;
  }
  return wireProbeCommand(o, {
    kind: 'fill',
    cancelling: 'cancelling: the turn in progress is stopped, the state from before put back',
    turnPrefix: 'turn: ',
    timeoutS,
    run: (common) => runFillProbe({ ...common, maxTurns, stepTokens }),
    read: fillProbe.read,
    lines: fillLines,
    good: fillGood,
  });
}

/** `probe tool-fidelity`: planted facts in tool outputs, direct and through each declared compression proxy (README, "Compression-fidelity probe"). */
export async function probeToolFidelity(o: WireProbeArgs & { proxies?: string; proxy?: string[]; model?: string; 'base-url'?: string }): Promise<number> {
  const fid = await import('../core/lab/probes/toolFidelity.js');
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 300, what: 'a number of seconds' });
  const names = o.proxy?.flatMap((p) => p.split(',')).map((s) => s.trim()).filter(Boolean);
  if (o.proxy && !names?.length) throw new UsageError('--proxy: give one or more declared proxy names');
  const baseUrl = o['base-url'];
  if (baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new UsageError(`--base-url: "${baseUrl}" is not an http(s) URL`);
  if (baseUrl !== undefined && !o.model) throw new UsageError('--base-url needs --model (the model id the server knows)');
  if (baseUrl === undefined && o.model !== undefined && !/^[^/\s]+\/\S+$/.test(o.model)) throw new UsageError(`--model: "${o.model}" is not a "provider/model" reference (or give --base-url with the server's model id)`);
  const env = cliLabEnv(o);
  let proxies;
  try {
    proxies = fid.selectProxies(env.proxies ?? [], names);
  } catch (err) {
    if (err instanceof fid.ToolFidelityPlanError) throw new UsageError(err.message);
    throw err;
  }
  const options = { proxyNames: names, ...(o.model ? { model: o.model } : {}), ...(baseUrl ? { baseUrl } : {}) };
  if (o['dry-run']) {
    const now = await dryRunLook(o);
    let target;
    try {
      target = fid.fidelityTarget(now.observation, options, env.allowHosted);
    } catch (err) {
      if (err instanceof fid.ToolFidelityPlanError || err instanceof LabPreflightError) throw new UsageError(err.message);
      throw err;
    }
    const lines = fid.fidelityPlan(target, proxies);
    if (o.json) console.log(JSON.stringify({ dryRun: true, plan: lines }, null, 2));
    else for (const l of lines) console.log(l);
    return 0;
  }
  return wireProbeCommand(o, {
    kind: 'tool-fidelity',
    cancelling: 'cancelling: the question in flight is stopped, the proxy stopped',
    timeoutS,
    run: (common) => fid.runToolFidelityProbe({ ...common, ...options }),
    usage: (err) => err instanceof fid.ToolFidelityPlanError,
    read: fid.readToolFidelityRecord,
    lines: fid.toolFidelityLines,
    good: fid.toolFidelityGood,
  });
}
