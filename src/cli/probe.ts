import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './support.js';
import { promptSectionsLines, runPromptSectionsProbe } from '../core/lab/experiments/promptSections.js';
import { aggregate, runCodewordProbe } from '../core/lab/experiments/codewordRun.js';
import { survivalLines } from '../core/lab/experiments/codewords.js';
import { cliLabEnv, cliReporter, restoreLine } from './labEnv.js';

const USAGE =
  'usage: local-ai-lab probe prompt-sections [--agent ID] [--config PATH] [--openclaw PATH] [--timeout SECONDS] [--allow-hosted] [--json]\n' +
  '       local-ai-lab probe codewords [--profile P [--profiles FILE] [--keep-profile]] [-n N] [--agent ID] [--max-growth K] [--dir LAB] [--config PATH] [--openclaw PATH] [--timeout SECONDS] [--allow-hosted] [--json]';

/** `probe prompt-sections`: which workspace files reached the agent's system prompt (README, "Prompt-sections probe"). */
export async function probeCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'codewords') return probeCodewords(rest);
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
  return onCtrlC(async (signal) => {
    const r = await runPromptSectionsProbe({ env: cliLabEnv(o), agent, timeoutMs: timeoutS * 1000, signal });
    if (o.json) console.log(JSON.stringify({ agent, config: r.config, ...r.report, reply: r.reply, ...(r.error ? { error: r.error } : {}) }, null, 2));
    else {
      if (r.error) console.error(`local-ai-lab: the probe turn failed: ${r.error}`);
      for (const l of promptSectionsLines(r.report)) console.log(l);
    }
    if (r.error) return 1;
    return r.report.findings.some((f) => / did not reach the prompt/.test(f)) ? 1 : 0;
  });
}

/** `probe codewords`: does the compactor carry what matters? (README, "Planted-codeword probe"). */
async function probeCodewords(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      profile: { type: 'string' },
      profiles: { type: 'string' },
      'keep-profile': { type: 'boolean' },
      n: { type: 'string', short: 'n' },
      agent: { type: 'string' },
      'max-growth': { type: 'string' },
      dir: { type: 'string' },
      config: { type: 'string' },
      openclaw: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      'allow-hosted': { type: 'boolean' },
    },
  });
  if (positionals.length) throw new UsageError(USAGE);
  const n = o.n === undefined ? 1 : Number(o.n);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError(`-n: "${o.n}" is not a count from 1 to 100`);
  const maxGrowth = o['max-growth'] === undefined ? 6 : Number(o['max-growth']);
  if (!Number.isInteger(maxGrowth) || maxGrowth < 1 || maxGrowth > 50) throw new UsageError(`--max-growth: "${o['max-growth']}" is not a count from 1 to 50`);
  const agent = o.agent ?? 'main';
  if (!/^[a-z0-9_][a-z0-9_-]{0,63}$/i.test(agent)) throw new UsageError(`--agent: "${agent}" is not an OpenClaw agent id`);
  const timeoutS = o.timeout === undefined ? 600 : Number(o.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 7200) throw new UsageError(`--timeout: "${o.timeout}" is not a number of seconds from 1 to 7200`);
  const json = !!o.json;
  return onCtrlC(async (signal) => {
    const r = await runCodewordProbe({
      env: cliLabEnv(o),
      agent,
      n,
      maxGrowthTurns: maxGrowth,
      timeoutMs: timeoutS * 1000,
      root: path.resolve(o.dir ?? '.local-ai-lab'),
      profile: o.profile,
      keep: !!o['keep-profile'],
      signal,
      report: { ...cliReporter(json, o.profile ? `profile ${o.profile}: ` : ''), turn: (i, of, what) => !json && process.stderr.write(`session ${i + 1}/${of}: ${what}\n`) },
    });
    const line = o.profile ? restoreLine(o.profile, r.outcome.restore, 'the probe') : undefined;
    if (line) console.error(line);
    const failed = r.outcome.arms.find((a) => a.error)?.error ?? (r.outcome.status === 'failed' ? r.outcome.error : undefined);
    if (failed) console.error(`local-ai-lab: ${o.profile && r.outcome.arms.some((a) => a.error) ? `profile ${o.profile} was not applied: ${failed}` : failed}`);
    const agg = aggregate(r.sessions);
    if (o.json) console.log(JSON.stringify({ config: r.config, agent, profile: o.profile ?? null, n: r.sessions.length, sessions: r.sessions, survived: agg.survived, record: r.record, ...(failed ? { error: failed } : {}) }, null, 2));
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

/** Runs `run` with Ctrl-C as its cancel signal (the turn in flight stops; what finished is reported). */
async function onCtrlC<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.on('SIGINT', onSigint);
  try {
    return await run(abort.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
