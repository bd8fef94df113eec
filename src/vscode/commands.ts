import * as z from 'zod/mini';
import { AGENT_ID } from '../core/lab/workloadSchema.js';
import { SWEEP_KNOBS } from '../core/lab/experiments/sweep.js';
import type { ProbeKind } from '../core/lab/view/probeView.js';
import type { Approvals } from './approve.js';
import type { Ctx } from './ctx.js';
import type { ConfigCommands } from './features.js';
import type { LabController } from './lab.js';
import type { LabView } from './labView.js';
import type { ProfileController } from './profiles.js';
import type { SweepController } from './sweep.js';
import type { ProveController } from './prove.js';

/**
 * The command table: every command's id, the arguments it takes, whether it needs a trusted workspace, and
 * what it runs. Ids and arguments are contracts (keybindings, tree rows, scripts, tests call them), so the
 * frame (frame.ts) checks each call against `args` before `run` sees it, and refuses `trusted` commands in
 * an untrusted workspace with one message. No `vscode` at run time here (the imports above are types), so
 * test/unit/manifest.test.ts reads this table and holds package.json to it.
 */

// ── Argument schemas ───────────────────────────────────────────────────────────────────────────────────

export const noArgs = z.tuple([]);
/** What VS Code passes a command run from an editor's title bar (the resource, the group), ignored. */
export const menuArgs = z.array(z.unknown()).check(z.maxLength(3));
/** Bounded strings: an argument from outside never gets to be a megabyte. */
export const str = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
/** What VS Code passes after a tree row's node when a view allows multi-select: the selected nodes (checked by the command). */
export const treeSelection = z.array(z.unknown()).check(z.maxLength(500));
export const confirmOpts = z.strictObject({ confirm: z.optional(z.boolean()) });

/** Names a fix of a current finding; the command finds it again, so it never runs a plan it was handed. */
export const ApplyFixArgs = z.strictObject({ rule: str(100), file: str(4096), path: z.string().check(z.maxLength(4096)), title: str(500) });
export type ApplyFixArgs = z.infer<typeof ApplyFixArgs>;
/** A finding to measure (`lab prove`): the command finds it again on a fresh look, so it never runs a plan it was handed. */
export const ProveArgs = z.strictObject({
  rule: str(100),
  path: z.optional(z.string().check(z.maxLength(4096))),
  workload: z.optional(str(4096)),
  n: z.optional(z.int().check(z.gte(1), z.lte(1000))),
  yes: z.optional(z.boolean()),
});
export type ProveArgs = z.infer<typeof ProveArgs>;
export const RestoreArgs = z.strictObject({ backup: str(4096), confirm: z.optional(z.boolean()) });
export type RestoreArgs = z.infer<typeof RestoreArgs>;
/** A removed value one of our quick fixes remembered, by its one-time id. */
export const SideFileArgs = z.strictObject({ id: z.string().check(z.regex(/^[0-9a-f]{16}$/)) });
export type SideFileArgs = z.infer<typeof SideFileArgs>;

/** A Profiles row, as VS Code passes it to a context-menu command. */
const ProfileNode = z.object({ kind: z.literal('profile'), name: str(200) });
/** A profile by name, or its Profiles row. */
export const profileName = (n: string | { name: string } | undefined) => (typeof n === 'string' ? n : n?.name);

export const LabRunOptions = z.strictObject({
  /** Profiles to run under, skipping the picker (scripts, tests). */
  profiles: z.optional(z.array(str(200)).check(z.maxLength(20))),
  /** Apply those profiles without the confirmation. */
  yes: z.optional(z.boolean()),
});
export type LabRunOptions = z.infer<typeof LabRunOptions>;
/** A session id names a folder under runs/: no separators, no dot-dot. */
const SessionIdSchema = z.string().check(z.regex(/^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'not a session id'));
/** A Lab view row, as VS Code passes it to a context-menu command. */
export const SessionNode = z.object({ kind: z.literal('session'), id: SessionIdSchema });
export type SessionNode = z.infer<typeof SessionNode>;
/** A sweep's or a probe's record id (a file name under the lab folder: no separators, no `..`). */
const ExperimentId = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/), z.refine((s) => !s.includes('..'), 'not a record id'));
/** A session id, or the Lab view's row (then the selection may follow, unused by single-session commands). */
const sessionId = z.tuple([z.optional(z.union([SessionIdSchema, SessionNode])), z.optional(z.array(SessionNode).check(z.maxLength(500)))]);
export type SessionRef = z.infer<typeof sessionId>[0];
export const idOf = (ref: string | { id: string } | undefined) => (typeof ref === 'string' ? ref : ref?.id);
const compareArgs = z.tuple([z.optional(z.union([z.array(SessionIdSchema).check(z.maxLength(50)), SessionNode])), z.optional(z.array(SessionNode).check(z.maxLength(50)))]);
export type CompareArgs = z.infer<typeof compareArgs>;
const sweepRef = z.optional(z.union([ExperimentId, z.object({ kind: z.literal('sweep'), id: ExperimentId })]));
export type SweepRef = z.infer<typeof sweepRef>;
const codewordsRef = z.optional(z.union([ExperimentId, z.object({ kind: z.literal('codewords'), id: ExperimentId })]));
export type CodewordsRef = z.infer<typeof codewordsRef>;
const probeRef = z.optional(z.union([ExperimentId, z.object({ kind: z.literal('probe'), id: ExperimentId })]));
export type ProbeRef = z.infer<typeof probeRef>;

/** Arguments for scripts and tests; each one given skips its picker. */
export const SweepOptions = z.strictObject({
  workload: z.optional(str(200)),
  base: z.optional(str(200)),
  knobs: z.optional(z.array(z.enum(SWEEP_KNOBS)).check(z.maxLength(SWEEP_KNOBS.length))),
  n: z.optional(z.int().check(z.gte(1), z.lte(1000))),
  /** Skip the one confirmation. */
  yes: z.optional(z.boolean()),
});
export type SweepOptions = z.infer<typeof SweepOptions>;

const AgentId = z.optional(z.string().check(z.regex(AGENT_ID, 'an OpenClaw agent id')));
export const ProbeOptions = z.strictObject({ agent: AgentId });
export type ProbeOptions = z.infer<typeof ProbeOptions>;
export const CodewordOptions = z.strictObject({
  agent: AgentId,
  n: z.optional(z.int().check(z.gte(1), z.lte(100))),
  /** Run under this profile; the state from before comes back when the probe ends. */
  profile: z.optional(str(200)),
  /** Apply that profile without the confirmation (scripts, tests). */
  yes: z.optional(z.boolean()),
  /** Filler turns at most before giving up on a compaction (default 6). */
  maxGrowth: z.optional(z.int().check(z.gte(1), z.lte(50))),
});
export type CodewordOptions = z.infer<typeof CodewordOptions>;
/** The wire probes (prefix-stability, tools, fill) from the editor: each runs with its own defaults. */
export const WireProbeOptions = z.strictObject({
  agent: AgentId,
  /** Run under this profile; the state from before comes back when the probe ends. */
  profile: z.optional(str(200)),
  /** Apply that profile without the confirmation (scripts, tests). */
  yes: z.optional(z.boolean()),
});
export type WireProbeOptions = z.infer<typeof WireProbeOptions>;

// ── The table ──────────────────────────────────────────────────────────────────────────────────────────

/** The probes, bound to what they need (extension.ts builds them). */
export interface Probes {
  promptSections(opts?: ProbeOptions): Promise<unknown>;
  codewords(opts?: CodewordOptions): Promise<unknown>;
  wire(kind: ProbeKind, opts?: WireProbeOptions): Promise<unknown>;
}

/** What the handlers call: the long-lived objects activate() builds. */
export interface Services {
  readonly ctx: Ctx;
  readonly config: ConfigCommands;
  readonly approvals: Approvals;
  readonly profiles: ProfileController;
  readonly lab: LabController;
  readonly labView: LabView;
  readonly sweep: SweepController;
  readonly prove: ProveController;
  readonly probes: Probes;
  readonly openWalkthrough: () => PromiseLike<unknown>;
}

type ArgsSchema = z.ZodMiniType<unknown[]>;
export interface CommandDef<S extends ArgsSchema = ArgsSchema> {
  readonly args: S;
  /** Runs programs named by files in the workspace (openclaw, a workload's verify command): off until it is trusted. */
  readonly trusted?: true;
  /** Gets the arguments as `args` parsed them. */
  readonly run: (s: Services, ...a: z.infer<S>) => unknown;
}
/** One row; a function only so that `run`'s parameters are typed from `args`. */
const def = <S extends ArgsSchema>(d: CommandDef<S>): CommandDef<S> => d;

export const COMMANDS = {
  // The config: check, fix, make valid, restore.
  'localAiLab.checkConfig': def({ args: noArgs, run: (s) => s.config.checkConfig() }),
  'localAiLab.makeConfigValid': def({ args: z.tuple([z.optional(confirmOpts)]), run: (s, opts) => s.config.makeConfigValid(opts) }),
  'localAiLab.refreshRuntimeState': def({ args: noArgs, run: (s) => s.config.refreshRuntimeState() }),
  'localAiLab.openConfig': def({ args: noArgs, run: (s) => s.config.openConfig() }),
  'localAiLab.setLmStudioToken': def({ args: noArgs, run: (s) => s.config.setLmStudioToken() }),
  'localAiLab.showLogs': def({ args: noArgs, run: (s) => s.ctx.log.show() }),
  'localAiLab.applyFix': def({ args: z.tuple([ApplyFixArgs]), run: (s, args) => s.config.applyFix(args) }),
  'localAiLab.restoreBackup': def({ args: z.tuple([z.optional(RestoreArgs)]), run: (s, args) => s.config.restoreBackup(args) }),
  'localAiLab.keepRemoved': def({ args: z.tuple([SideFileArgs]), run: (s, args) => s.config.keepRemoved(args) }),
  // For tests and scripts: the state as plain JSON.
  'localAiLab.state': def({ args: noArgs, run: (s) => s.config.state() }),
  // From the diff's title bar VS Code passes the editor's URI and group; they are not needed, only allowed.
  'localAiLab.applyProposal': def({ args: menuArgs, run: (s) => s.approvals.answer(true) }),
  'localAiLab.discardProposal': def({ args: menuArgs, run: (s) => s.approvals.answer(false) }),

  // Profiles. From the Lab view's context menu VS Code passes the row's node (and the selection): its name is taken.
  'localAiLab.switchProfile': def({ args: noArgs, run: (s) => s.profiles.pick() }),
  'localAiLab.showProfile': def({ args: z.tuple([z.optional(z.union([str(200), ProfileNode])), z.optional(treeSelection)]), run: (s, name) => s.profiles.show(profileName(name)) }),
  // Show Profile's title bar: the profile shown, applied (same plan, diff and confirmation as the switcher).
  'localAiLab.applyShownProfile': def({ args: menuArgs, run: (s, uri) => s.profiles.applyShown(uri) }),
  'localAiLab.importDarkmuxProfiles': def({ args: noArgs, run: (s) => s.profiles.importDarkmux() }),
  // Only a profile that resolves now can be applied: applyByName looks the name up among the current targets.
  'localAiLab.applyProfile': def({
    args: z.tuple([z.union([str(200), ProfileNode]), z.optional(z.union([confirmOpts, treeSelection]))]),
    run: (s, name, opts) => s.profiles.applyByName(profileName(name)!, Array.isArray(opts) ? {} : opts),
  }),

  // The lab: runs need trust; opening records does not.
  'localAiLab.runLab6': def({ args: z.tuple([z.optional(str(4096)), z.optional(LabRunOptions)]), trusted: true, run: (s, workload, opts) => s.lab.run(6, workload, opts) }),
  'localAiLab.runLab': def({ args: noArgs, trusted: true, run: (s) => s.lab.runAskingCount() }),
  'localAiLab.resumeLab': def({ args: sessionId, trusted: true, run: (s, ref) => s.lab.resume(idOf(ref)) }),
  'localAiLab.openLabSession': def({ args: sessionId, run: (s, ref) => s.lab.open(idOf(ref)) }),
  'localAiLab.openLabPanel': def({ args: sessionId, run: (s, ref) => s.lab.openPanel(ref) }),
  'localAiLab.openDarkmuxTimeline': def({ args: noArgs, run: (s) => s.lab.openDarkmuxTimeline() }),
  // From the Lab view: the clicked row and the selected rows; two or more selected compare at once.
  'localAiLab.compareLabSessions': def({ args: compareArgs, run: (s, first, selected) => s.lab.compare(first, selected) }),
  'localAiLab.deleteLabSession': def({ args: z.tuple([SessionNode, z.optional(treeSelection)]), run: (s, node, selected) => s.labView.delete(node, selected) }),
  'localAiLab.runSweep': def({ args: z.tuple([z.optional(SweepOptions)]), trusted: true, run: (s, opts) => s.sweep.run(opts ?? {}) }),
  'localAiLab.proveFix': def({ args: z.tuple([ProveArgs]), trusted: true, run: (s, args) => s.prove.run(args) }),
  'localAiLab.openSweep': def({ args: z.tuple([sweepRef]), run: (s, ref) => s.lab.openSweep(ref) }),
  'localAiLab.probePromptSections': def({ args: z.tuple([z.optional(ProbeOptions)]), trusted: true, run: (s, opts) => s.probes.promptSections(opts) }),
  'localAiLab.probeCodewords': def({ args: z.tuple([z.optional(CodewordOptions)]), trusted: true, run: (s, opts) => s.probes.codewords(opts) }),
  'localAiLab.openCodewordProbe': def({ args: z.tuple([codewordsRef]), run: (s, ref) => s.lab.openCodewordProbe(ref) }),
  'localAiLab.probePrefixStability': def({ args: z.tuple([z.optional(WireProbeOptions)]), trusted: true, run: (s, opts) => s.probes.wire('prefix-stability', opts) }),
  'localAiLab.probeTools': def({ args: z.tuple([z.optional(WireProbeOptions)]), trusted: true, run: (s, opts) => s.probes.wire('tools', opts) }),
  'localAiLab.probeFill': def({ args: z.tuple([z.optional(WireProbeOptions)]), trusted: true, run: (s, opts) => s.probes.wire('fill', opts) }),
  'localAiLab.probeCompressionFidelity': def({ args: z.tuple([z.optional(WireProbeOptions)]), trusted: true, run: (s, opts) => s.probes.wire('tool-fidelity', opts) }),
  'localAiLab.openProbe': def({ args: z.tuple([probeRef]), run: (s, ref) => s.lab.openProbe(ref) }),

  'localAiLab.openWalkthrough': def({ args: noArgs, run: (s) => s.openWalkthrough() }),
} as const;
