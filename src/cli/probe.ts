import { UsageError } from './support.js';
import { agentOption, configPath, integerOption, labDir } from './options.js';
import { withCtrlC } from './ctrlC.js';
import { analyzePromptSections, existingWorkspaceFiles, PROMPT_SECTIONS_WORKLOAD, promptSectionsLines, runPromptSectionsTurn, workspaceFromConfig } from '../core/lab/experiments/promptSections.js';
import { preflight, openAiTarget, resolveTransport, LabPreflightError } from '../core/lab/session.js';
import { toValue } from '../core/openclaw/document.js';
import { checkConfigFile } from '../core/sources.js';
import { aggregate, codewordRecord, runCodewordSession, writeCodewordRecord, type CodewordSession } from '../core/lab/experiments/codewordRun.js';
import { newSessionId } from '../core/lab/records/store.js';
import { CODEWORD_WORKLOAD, survivalLines } from '../core/lab/experiments/codewords.js';
import { MAX_TIMEOUT_SECONDS } from '../core/lab/workloadSchema.js';
import { applyProfileFirst, restoreAfterLab } from './lab.js';

/** `probe prompt-sections`: which workspace files reached the agent's system prompt (README, "Prompt-sections probe"). */
export async function probePromptSections(o: { agent?: string; config?: string; openclaw?: string; timeout?: string; json?: boolean; 'allow-hosted'?: boolean }): Promise<number> {
  const agent = agentOption(o.agent);
  const timeoutS = integerOption('--timeout', o.timeout, { max: MAX_TIMEOUT_SECONDS, fallback: 600, what: 'a number of seconds' });
  const file = configPath(o);
  const c = await checkConfigFile({ configPath: file, openclaw: o.openclaw, servers: { probe: { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN } } });
  if (c.read.doc.error) throw new UsageError(`${file}: the file does not parse as JSON5 (${c.read.doc.error.message}); fix the syntax first`);
  const workload = { ...PROMPT_SECTIONS_WORKLOAD, agent };
  if (!(await endpointAnswers(c.observation, workload, !!o['allow-hosted']))) return 1;
  return withCtrlC(undefined, async (signal) => {
    const turn = await runPromptSectionsTurn({ executable: o.openclaw ?? 'openclaw', configPath: file, agent, transport: await resolveTransport(workload, c.observation), timeoutMs: timeoutS * 1000, signal });
    const workspaceDir = turn.workspaceDir ?? workspaceFromConfig(toValue(c.read.doc.root), agent);
    const report = analyzePromptSections({ existing: existingWorkspaceFiles(workspaceDir), reply: turn.reply, injected: turn.injected, workspaceDir });
    if (o.json) console.log(JSON.stringify({ agent, config: file, ...report, reply: turn.reply, ...(turn.error ? { error: turn.error } : {}) }, null, 2));
    else {
      if (turn.error) console.error(`local-ai-lab: the probe turn failed: ${turn.error}`);
      for (const l of promptSectionsLines(report)) console.log(l);
    }
    if (turn.error) return 1;
    return report.findings.some((f) => / did not reach the prompt/.test(f)) ? 1 : 0;
  });
}

/** `probe codewords`: does the compactor carry what matters? (README, "Planted-codeword probe"). */
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
  const file = configPath(o);
  const look = () => checkConfigFile({ configPath: file, openclaw: o.openclaw, servers: { probe: { timeoutMs: 1500, lmStudioToken: process.env.LM_API_TOKEN } } });
  let c = await look();
  if (c.read.doc.error) throw new UsageError(`${file}: the file does not parse as JSON5 (${c.read.doc.error.message}); fix the syntax first`);
  // The probe itself: its sessions, the record, the report.
  const runProbe = async (): Promise<number> => {
    const workload = { ...CODEWORD_WORKLOAD, agent };
    if (!(await endpointAnswers(c.observation, workload, !!o['allow-hosted']))) return 1;
    return withCtrlC(undefined, async (signal) => {
      const transport = await resolveTransport(workload, c.observation);
      const sessions: CodewordSession[] = [];
      const startedAt = new Date().toISOString();
      for (let i = 0; i < n && !signal.aborted; i++) {
        sessions.push(
          await runCodewordSession(
            { executable: o.openclaw ?? 'openclaw', configPath: file, agent, transport, timeoutMs: timeoutS * 1000, maxGrowthTurns: maxGrowth, signal, onTurn: (what) => !o.json && process.stderr.write(`session ${i + 1}/${n}: ${what}\n`) },
            i,
          ),
        );
      }
      const agg = aggregate(sessions);
      // Recorded beside the lab sessions, so the Lab panel can show the matrix (same file as the editor's).
      const id = newSessionId(`codewords-${agent}`);
      const recorded = writeCodewordRecord(labDir(o), codewordRecord({ id, startedAt, agent, profile: o.profile ?? null, config: file, sessions }));
      if (o.json) console.log(JSON.stringify({ config: file, agent, profile: o.profile ?? null, n: sessions.length, sessions, survived: agg.survived, record: recorded }, null, 2));
      else {
        for (const [i, s] of sessions.entries()) {
          console.log(`session ${i + 1} (${s.sessionKey}, ${s.turns} turns)${s.error ? `: ${s.error}` : ''}`);
          for (const l of survivalLines(s.matrix)) console.log(`  ${l}`);
        }
        if (sessions.length > 1) console.log(`survived: ${Object.entries(agg.survived).map(([k, v]) => `${k} ${v.survived}/${v.of}`).join(', ')}`);
        console.log(`recorded: ${recorded}`);
      }
      return sessions.some((s) => s.error) ? 1 : 0;
    });
  };
  // As lab run --profile (the same code): applied before the first turn, the state from before put back at the end.
  const applied = o.profile ? await applyProfileFirst(o.profile, o) : undefined;
  if (o.profile && !applied) return 1;
  if (applied) c = await look();
  try {
    return await runProbe();
  } finally {
    if (applied && !o['keep-profile']) await restoreAfterLab(applied, o.profile!, c.read.hash, 'the probe');
  }
}

/** OpenClaw retries an unreachable server for ~90 s; this says what to start in about two (false: said, exit 1). */
async function endpointAnswers(observation: Parameters<typeof openAiTarget>[0], workload: Parameters<typeof openAiTarget>[1], allowHosted: boolean): Promise<boolean> {
  try {
    await preflight(openAiTarget(observation, workload, { allowHosted }).baseUrl);
    return true;
  } catch (err) {
    if (!(err instanceof LabPreflightError)) throw err;
    console.error(`local-ai-lab: ${err.message}`);
    return false;
  }
}
