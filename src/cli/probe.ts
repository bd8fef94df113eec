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

/** `probe prefix-stability`: does each turn reuse the server's prompt cache, and what breaks it (README, "Prompt-cache reuse probe"). */
export async function probePrefixStability(o: {
  turns?: string;
  'touch-workspace-file'?: string;
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
}): Promise<number> {
  const turns = integerOption('--turns', o.turns, { max: PREFIX_MAX_TURNS, fallback: PREFIX_DEFAULT_TURNS });
  const agent = agentOption(o.agent);
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 600, what: 'a number of seconds' });
  const touch = o['touch-workspace-file'];
  if (touch !== undefined && !isWorkspaceFileName(touch)) throw new UsageError(`--touch-workspace-file: "${touch}" is not a file name in the workspace (such as AGENTS.md)`);
  if (touch !== undefined && turns < 2) throw new UsageError('--touch-workspace-file touches the file before turn 2: give --turns 2 or more');
  const json = !!o.json;
  const env = cliLabEnv(o);
  if (o['dry-run']) {
    let now;
    try {
      now = await lookWithProfiles(env, o.profile ? [o.profile] : []);
    } catch (err) {
      if (err instanceof UnknownProfile) throw new UsageError(err.message);
      throw err;
    }
    const plan = prefixStabilityPlan({ file: now.file, doc: now.read.doc, agent, turns, timeoutMs: timeoutS * 1000, ...(o.profile ? { profile: o.profile } : {}), ...(touch ? { touchWorkspaceFile: touch } : {}) });
    if (json) console.log(JSON.stringify(plan, null, 2));
    else for (const l of prefixPlanLines(plan)) console.log(l);
    return 0;
  }
  return withCtrlC(json ? undefined : 'cancelling: the turn in flight is stopped, then the state from before is restored', async (signal) => {
    let r;
    try {
      r = await runPrefixStabilityProbe({
        env,
        agent,
        turns,
        timeoutMs: timeoutS * 1000,
        root: labDir(o),
        profile: o.profile,
        keep: !!o['keep-profile'],
        ...(touch ? { touchWorkspaceFile: touch } : {}),
        signal,
        report: { ...cliReporter(json, o.profile ? `profile ${o.profile}: ` : ''), turn: (what) => !json && process.stderr.write(`${what}\n`) },
      });
    } catch (err) {
      if (err instanceof UnknownProfile) throw new UsageError(err.message);
      if (!(err instanceof LabPreflightError)) throw err;
      console.error(`local-ai-lab: ${err.message}`);
      return 1;
    }
    const line = o.profile ? restoreLine(o.profile, r.outcome.restore, 'the probe') : undefined;
    if (line) console.error(line);
    const failed = r.outcome.arms.find((a) => a.error)?.error ?? (r.outcome.status === 'failed' ? r.outcome.error : undefined);
    if (failed) console.error(`local-ai-lab: ${o.profile && r.outcome.arms.some((a) => a.error) ? `profile ${o.profile} was not applied: ${failed}` : failed}`);
    const record = r.record ? prefixStabilityProbe.read(labDir(o), r.id) : undefined;
    if (json) console.log(JSON.stringify(record ?? { kind: 'prefix-stability', id: r.id, config: r.config, notes: r.notes, ...(failed ? { error: failed } : {}) }, null, 2));
    else {
      if (record) for (const l of prefixStabilityLines(record)) console.log(l);
      if (r.record) console.log(`recorded: ${r.record}`);
    }
    return failed || r.result?.tone !== 'good' || r.outcome.restore?.ok === false ? 1 : 0;
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
export async function probeTools(o: {
  profile?: string;
  profiles?: string;
  'keep-profile'?: boolean;
  agent?: string;
  model?: string;
  api?: string;
  tasks?: string;
  dir?: string;
  config?: string;
  openclaw?: string;
  timeout?: string;
  json?: boolean;
  'dry-run'?: boolean;
  'allow-hosted'?: boolean;
}): Promise<number> {
  const tools = await import('../core/lab/probes/tools.js');
  const agent = agentOption(o.agent);
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 300, what: 'a number of seconds' });
  const models = o.model === undefined ? undefined : o.model.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of models ?? []) if (!/^[^/\s]+\/\S+$/.test(m)) throw new UsageError(`--model: "${m}" is not a "provider/model" reference`);
  if (models && !models.length) throw new UsageError('--model: give one or more "provider/model" references, comma-separated');
  const modes = listOption('--api', o.api, tools.API_MODES);
  const tasks = listOption('--tasks', o.tasks, tools.TOOL_TASKS);
  const json = !!o.json;
  const env = cliLabEnv(o);
  if (o['dry-run']) {
    let plan;
    try {
      const { look } = await import('../core/lab/look.js');
      plan = tools.toolsPlan(await look(env), { agent, models, modes, tasks, profile: o.profile });
    } catch (err) {
      if (err instanceof tools.ToolsPlanError) throw new UsageError(err.message);
      throw err;
    }
    if (json) console.log(JSON.stringify({ dryRun: true, timeoutSeconds: timeoutS, ...plan }, null, 2));
    else for (const l of tools.toolsPlanLines(plan, timeoutS)) console.log(l);
    return 0;
  }
  return withCtrlC(undefined, async (signal) => {
    let r;
    try {
      r = await tools.runToolsProbe({
        env,
        agent,
        models,
        modes,
        tasks,
        timeoutMs: timeoutS * 1000,
        root: labDir(o),
        profile: o.profile,
        keep: !!o['keep-profile'],
        signal,
        report: { ...cliReporter(json, o.profile ? `profile ${o.profile}: ` : ''), turn: (what) => !json && process.stderr.write(`${what}\n`) },
      });
    } catch (err) {
      if (err instanceof UnknownProfile || err instanceof tools.ToolsPlanError) throw new UsageError(err.message);
      if (!(err instanceof LabPreflightError)) throw err;
      console.error(`local-ai-lab: ${err.message}`);
      return 1;
    }
    const line = o.profile ? restoreLine(o.profile, r.outcome.restore, 'the probe') : undefined;
    if (line) console.error(line);
    const record = r.record ? tools.readToolsRecord(labDir(o), r.id) : undefined;
    const failed = r.outcome.arms.find((a) => a.error)?.error ?? (r.outcome.status === 'failed' ? r.outcome.error : undefined);
    if (json) console.log(JSON.stringify(record ?? { error: failed ?? 'the probe did not run' }, null, 2));
    else {
      if (failed) console.error(`local-ai-lab: ${failed}`);
      if (record) {
        for (const l of tools.toolsLines(record)) console.log(l);
        console.log(`recorded: ${r.record}`);
      }
    }
    return record && tools.toolsGood(record) && r.outcome.restore?.ok !== false ? 0 : 1;
  });
}

/** `probe fill`: the usable context, turn by turn (README, "Usable-context probe"). The same core as the editor's. */
export async function probeFill(o: {
  profile?: string;
  profiles?: string;
  'keep-profile'?: boolean;
  agent?: string;
  'max-turns'?: string;
  step?: string;
  dir?: string;
  config?: string;
  openclaw?: string;
  timeout?: string;
  json?: boolean;
  'dry-run'?: boolean;
  'allow-hosted'?: boolean;
}): Promise<number> {
  const maxTurns = integerOption('--max-turns', o['max-turns'], { min: 3, max: MAX_FILL_TURNS, fallback: DEFAULT_FILL_TURNS, what: 'a number of turns' });
  const stepTokens = o.step === undefined ? undefined : integerOption('--step', o.step, { min: 100, max: MAX_STEP_TOKENS, fallback: 0, what: 'a number of tokens' });
  const agent = agentOption(o.agent);
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 600, what: 'a number of seconds' });
  const json = !!o.json;
  const env = cliLabEnv(o);
  if (o['dry-run']) {
    let now;
    try {
      now = await lookWithProfiles(env, o.profile ? [o.profile] : []);
    } catch (err) {
      if (err instanceof UnknownProfile) throw new UsageError(err.message);
      throw err;
    }
    const lines = fillPlan(now, { agent, profile: o.profile, maxTurns, stepTokens });
    if (json) console.log(JSON.stringify({ dryRun: true, plan: lines }, null, 2));
    else for (const l of lines) console.log(l);
    return 0;
  }
  return withCtrlC(json ? undefined : 'cancelling: the turn in progress is stopped, the state from before put back', async (signal) => {
    let r;
    try {
      r = await runFillProbe({
        env,
        agent,
        maxTurns,
        stepTokens,
        timeoutMs: timeoutS * 1000,
        root: labDir(o),
        profile: o.profile,
        keep: !!o['keep-profile'],
        signal,
        report: { ...cliReporter(json, o.profile ? `profile ${o.profile}: ` : ''), turn: (what) => !json && process.stderr.write(`turn: ${what}\n`) },
      });
    } catch (err) {
      if (err instanceof UnknownProfile) throw new UsageError(err.message);
      if (!(err instanceof LabPreflightError)) throw err;
      console.error(`local-ai-lab: ${err.message}`);
      return 1;
    }
    const line = o.profile ? restoreLine(o.profile, r.outcome.restore, 'the probe') : undefined;
    if (line) console.error(line);
    const failed = r.outcome.arms.find((a) => a.error)?.error ?? (r.outcome.status === 'failed' ? r.outcome.error : undefined);
    if (failed) console.error(`local-ai-lab: ${o.profile && r.outcome.arms.some((a) => a.error) ? `profile ${o.profile} was not applied: ${failed}` : failed}`);
    const rec = r.record ? fillProbe.read(labDir(o), r.id) : undefined;
    if (json) console.log(JSON.stringify(rec ? { ...rec, record: r.record } : { id: r.id, config: r.config, notes: r.notes, error: failed ?? 'the probe did not run' }, null, 2));
    else if (rec) {
      for (const l of fillLines(rec)) console.log(l);
      console.log(`recorded: ${r.record}`);
    }
    return rec && fillGood(rec) && r.outcome.status === 'complete' && r.outcome.restore?.ok !== false ? 0 : 1;
  });
}
