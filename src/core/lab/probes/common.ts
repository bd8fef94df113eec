import * as z from 'zod/mini';
import type { CheckedFile } from '../../sources.js';
import { stateEnvFor } from '../../openclaw/locate.js';
import { newSessionId } from '../records/store.js';
import { endpointReady } from '../session.js';
import type { Workload } from '../workloadSchema.js';
import type { ArmSpec, ExperimentOutcome, ExperimentReporter } from '../experiments/driver.js';
import { runProbeArm, type ProbeArmOptions } from '../experiments/labRun.js';
import { runAgentTurn, type AgentProbeResult } from '../experiments/promptSections.js';
import { openProbeWire, type ProbeWire } from './probeWire.js';

/**
 * What the three wire probes (#24: prefix-stability, tools, fill) share: one arm of the experiment driver (as
 * things are, or under a profile that is applied first and put back at the end), the endpoint checked, the
 * probe's OpenClaw turns run through the probe wire, the record written to `<lab>/probes/<id>.json`, and a
 * view the Lab panel draws (ProbeView). A probe is its turns and how it reads what crossed the wire.
 */

import type { ProbeKind } from '../view/probeView.js';

export { PROBE_KINDS, ProbeViewSchema, type ProbeKind, type ProbeView, type Tone } from '../view/probeView.js';

/** What every probe record carries; each probe adds its own result beside it (and `kind` names which). */
export const ProbeRecordBase = {
  schemaVersion: z.literal(1),
  id: z.string(),
  startedAt: z.string(),
  agent: z.string(),
  profile: z.nullable(z.string()),
  config: z.string(),
  /** What the wire could not see, and anything else the reader should know. */
  notes: z.array(z.string()),
  /** Why the probe did not finish, when it did not. */
  error: z.optional(z.string()),
};

/** The options every probe takes, from the CLI and the editor alike. */
export interface ProbeCommonOptions extends ProbeArmOptions {
  readonly agent: string;
  /** Per OpenClaw turn. */
  readonly timeoutMs: number;
  /** The lab folder: the record goes to `<root>/probes/<id>.json`. */
  readonly root: string;
  readonly report?: ExperimentReporter & { readonly turn?: (what: string) => void };
}

/** What a probe's body gets: the look it runs on, the wire, and a way to run one OpenClaw turn through it. */
export interface ProbeContext {
  readonly now: CheckedFile;
  readonly wire: ProbeWire;
  readonly transport: 'local' | 'gateway';
  readonly signal: AbortSignal;
  /**
   * One `openclaw agent --local --json` turn in `sessionKey`, through the wire; the wire's records of it carry
   * `dispatch: turnIndex`. `what` is said to the front end's progress.
   */
  turn(o: ProbeTurn): Promise<AgentProbeResult & { exitCode: number | null }>;
  /**
   * Another probe wire on the same config, its private copy's text rewritten (the tools probe: a provider's `api`
   * changed), with turns through it; `close` it when done (runWiredProbe also closes it at the end). Optional so
   * that a probe's own test doubles need not provide it.
   */
  rewired?(rewrite: (wiredText: string) => string): Promise<RewiredContext>;
}

/** One OpenClaw turn of a probe. */
export interface ProbeTurn {
  readonly sessionKey: string;
  readonly message: string;
  readonly turnIndex: number;
  readonly what: string;
  readonly timeoutMs?: number;
  /** `openclaw agent --model provider/id` (default: the agent's own model). */
  readonly model?: string;
}

/** A rewired probe wire (ProbeContext.rewired) and turns through it. */
export interface RewiredContext {
  readonly wire: ProbeWire;
  turn(o: ProbeTurn): Promise<AgentProbeResult & { exitCode: number | null }>;
  close(): Promise<void>;
}

export interface ProbeOutcome<R> {
  readonly id: string;
  readonly config: string;
  /** Where the record was written (undefined: the probe did not run far enough to have one). */
  readonly record?: string;
  readonly result?: R;
  readonly notes: readonly string[];
  readonly outcome: ExperimentOutcome<ArmSpec, R>;
}

/** A fresh session key for a probe's OpenClaw session. */
export function probeSessionKey(agent: string, kind: string): string {
  return `agent:${agent}:lal-${kind}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Runs a probe: the driver's single arm, the endpoint checked (OpenClaw's validator accepts the config, the
 * server answers), the probe wire opened on the arm's config, `body` run with it, the wire closed whatever
 * happened. The wire needs the embedded agent (transport local): through a Gateway the requests are the
 * Gateway's, and the probe says so instead of guessing.
 */
export async function runWiredProbe<R>(
  o: ProbeCommonOptions & { readonly kind: ProbeKind; readonly workload: Workload },
  body: (ctx: ProbeContext) => Promise<R>,
  write: (x: { id: string; startedAt: string; config: string; notes: string[]; result?: R; error?: string }) => string | undefined,
): Promise<ProbeOutcome<R>> {
  const startedAt = new Date().toISOString();
  const notes: string[] = [];
  const { first, outcome } = await runProbeArm<R>(o, async (now, signal) => {
    const { transport } = await endpointReady(o.env, now, o.workload, signal);
    if (transport === 'gateway') notes.push('the workload asked for the Gateway; the probe runs the embedded agent (--local) so the wire sees every request');
    const wire = await openProbeWire(now.file, now.read.doc);
    notes.push(...wire.notes);
    const through = (w: ProbeWire) => async (t: ProbeTurn) => {
      o.report?.turn?.(t.what);
      w.setTurn(t.turnIndex);
      try {
        // OpenClaw's state for the user's config (as the lab's wire does), not one for the private copy.
        return await runAgentTurn({ executable: o.env.openclaw, configPath: w.config.file, env: { ...process.env, ...stateEnvFor(now.file), ...w.config.env }, agent: o.agent, transport: 'local', timeoutMs: t.timeoutMs ?? o.timeoutMs, signal, sessionKey: t.sessionKey, message: t.message, ...(t.model ? { model: t.model } : {}) });
      } finally {
        w.setTurn(null);
      }
    };
    const others = new Set<ProbeWire>();
    try {
      return await body({
        now,
        wire,
        transport: 'local',
        signal,
        turn: through(wire),
        rewired: async (rewrite) => {
          const w = await openProbeWire(now.file, now.read.doc, { rewrite });
          others.add(w);
          return { wire: w, turn: through(w), close: async () => void (others.delete(w) && (await w.close())) };
        },
      });
    } finally {
      await Promise.all([wire, ...others].map((w) => w.close()));
    }
  });
  const result = outcome.arms[0]?.result;
  const id = newSessionId(`${o.kind}-${o.agent}`);
  const error = outcome.arms.find((a) => a.error)?.error ?? (outcome.status === 'failed' ? outcome.error : undefined);
  const record = result !== undefined || error ? write({ id, startedAt, config: first.file, notes, ...(result !== undefined ? { result } : {}), ...(error ? { error } : {}) }) : undefined;
  return { id, config: first.file, ...(record ? { record } : {}), ...(result !== undefined ? { result } : {}), notes, outcome };
}
