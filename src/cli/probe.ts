import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './support.js';
import { analyzePromptSections, existingWorkspaceFiles, PROMPT_SECTIONS_WORKLOAD, promptSectionsLines, runPromptSectionsTurn, workspaceFromConfig } from '../core/lab/promptSections.js';
import { preflight, openAiTarget, resolveTransport, LabPreflightError } from '../core/lab/session.js';
import { toValue } from '../core/openclaw/document.js';
import { locateConfig } from '../core/openclaw/locate.js';
import { checkConfigFile } from '../core/sources.js';

const USAGE = 'usage: local-ai-lab probe prompt-sections [--agent ID] [--config PATH] [--openclaw PATH] [--timeout SECONDS] [--allow-hosted] [--json]';

/** `probe prompt-sections`: which workspace files reached the agent's system prompt (README, "Prompt-sections probe"). */
export async function probeCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'prompt-sections') throw new UsageError(USAGE);
  const { values: o, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: { agent: { type: 'string' }, config: { type: 'string' }, openclaw: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, 'allow-hosted': { type: 'boolean' } },
  });
  if (positionals.length) throw new UsageError(USAGE);
  const agent = o.agent ?? 'main';
  if (!/^[a-z0-9_][a-z0-9_-]{0,63}$/i.test(agent)) throw new UsageError(`--agent: "${agent}" is not an OpenClaw agent id`);
  const timeoutS = o.timeout === undefined ? 600 : Number(o.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 7200) throw new UsageError(`--timeout: "${o.timeout}" is not a number of seconds from 1 to 7200`);
  const file = o.config ? path.resolve(o.config) : locateConfig({ env: process.env, homedir: os.homedir(), exists: (f) => fs.existsSync(f) }).path;
  const c = await checkConfigFile({ configPath: file, openclaw: o.openclaw, servers: { probe: { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN } } });
  if (c.read.doc.error) throw new UsageError(`${file}: the file does not parse as JSON5 (${c.read.doc.error.message}); fix the syntax first`);
  const workload = { ...PROMPT_SECTIONS_WORKLOAD, agent };
  try {
    // OpenClaw retries an unreachable server for ~90 s; this says what to start in about two.
    await preflight(openAiTarget(c.observation, workload, { allowHosted: !!o['allow-hosted'] }).baseUrl);
  } catch (err) {
    if (err instanceof LabPreflightError) {
      console.error(`local-ai-lab: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.on('SIGINT', onSigint);
  try {
    const turn = await runPromptSectionsTurn({ executable: o.openclaw ?? 'openclaw', configPath: file, agent, transport: await resolveTransport(workload, c.observation), timeoutMs: timeoutS * 1000, signal: abort.signal });
    const workspaceDir = turn.workspaceDir ?? workspaceFromConfig(toValue(c.read.doc.root), agent);
    const report = analyzePromptSections({ existing: existingWorkspaceFiles(workspaceDir), reply: turn.reply, injected: turn.injected, workspaceDir });
    if (o.json) console.log(JSON.stringify({ agent, config: file, ...report, reply: turn.reply, ...(turn.error ? { error: turn.error } : {}) }, null, 2));
    else {
      if (turn.error) console.error(`local-ai-lab: the probe turn failed: ${turn.error}`);
      for (const l of promptSectionsLines(report)) console.log(l);
    }
    if (turn.error) return 1;
    return report.findings.some((f) => / did not reach the prompt/.test(f)) ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
