/**
 * Every command and subcommand of the CLI, in one table: its words, one line on what it does, its usage, the options
 * it takes (node:util parseArgs specs) and its handler. `main()` dispatches from it, and the help is made from it.
 */
import { shared, SHARED_DOCS, SHARED_OPTIONS, type OptionDoc, type OptionSpec, type OptionSpecs, type OptionValues, type SharedOption } from './options.js';

// A command's code is loaded when it runs (the build makes each of these its own chunk), so `--version` and `help`
// load only this table, and `check` never loads the lab, migrate, the sweep or the probes.
const checkCli = () => import('./check.js');
const migrateCli = () => import('./migrate.js');
const labCli = () => import('./lab.js');
const probeCli = () => import('./probe.js');
const proveCli = () => import('./prove.js');
const profileRun = async (verb: 'list' | 'show' | 'apply', o: Parameters<typeof import('./profile.js').profileCommand>[1], args: string[]) => {
  const [{ profileCommand }, { observeForProfile }] = await Promise.all([import('./profile.js'), checkCli()]);
  return profileCommand(verb, o, args, observeForProfile);
};

declare const LAL_VERSION: string | undefined;
/** Set by the build (scripts/build.mjs) from package.json. */
export const VERSION = typeof LAL_VERSION === 'string' ? LAL_VERSION : '0.0.0-dev';

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** The words that name it: `['lab', 'run']`. */
  readonly path: readonly string[];
  /** Other spellings of a one-word command (`--version`, `-V`). */
  readonly aliases?: readonly string[];
  /** What it does, in one line. */
  readonly summary: string;
  /** What follows `local-ai-lab`: the words, then its arguments and options. */
  readonly usage: string;
  /** Every option it accepts; `--help`/`-h` is added to each. */
  readonly options: O;
  /** Whether it takes positional arguments. */
  readonly positionals?: boolean;
  /** `help` and `version` have always ignored arguments they do not know. */
  readonly lenient?: boolean;
  /** Help for its own options, or a closer word on a shared one. */
  readonly docs?: Readonly<Record<string, OptionDoc>>;
  // Method syntax: a table of commands with different options is one array of `Command`.
  run(values: OptionValues<O>, positionals: string[]): number | Promise<number>;
}

/** Infers an entry's option types, so its handler sees exactly the values its specs produce. */
const command = <const O extends OptionSpecs>(c: Command<O>): Command<O> => c;

// One option set for `profile list|show|apply`, and one for `lab run|resume|list|show|compare`, as they always
// took: scripts may pass the same flags to each.
const PROFILE_OPTIONS = {
  ...shared('config', 'profiles', 'openclaw-version', 'openclaw', 'loaded', 'downloaded', 'no-probe', 'dry-run', 'json'),
  yes: { type: 'boolean', short: 'y' },
} as const;
const PROFILE_DOCS = { yes: { about: 'apply without asking (needed when there is no terminal to confirm in)' } };
const PROFILE_FILTERS = '[--config PATH] [--profiles FILE] [--loaded FILE] [--downloaded FILE] [--openclaw-version V] [--openclaw PATH] [--no-probe] [--json]';

const LAB_OPTIONS = shared('dir', 'config', 'n', 'profile', 'profiles', 'openclaw', 'json', 'allow-hosted', 'allow-any-prompt-file', 'keep-profile', 'no-wire', 'sample-ms', 'wire-bodies');

const PROBE_OPTIONS = shared('agent', 'config', 'openclaw', 'timeout', 'json', 'allow-hosted');

export const COMMANDS: readonly Command[] = [
  command({
    path: ['check'],
    summary: 'Diagnose openclaw.json against what the model servers loaded and the OpenClaw release',
    usage: 'check [--config PATH] [--loaded FILE] [--downloaded FILE] [--openclaw-version V] [--openclaw PATH] [--no-probe] [--no-validate] [--json]',
    options: { ...shared('config', 'loaded', 'downloaded', 'openclaw-version', 'openclaw', 'no-probe', 'json'), 'no-validate': { type: 'boolean' } },
    docs: { 'no-validate': { about: "do not run OpenClaw's own `openclaw config validate`" } },
    run: async (o) => (await checkCli()).check(o),
  }),
  command({
    path: ['fix'],
    summary: "Apply the preferred fix of one rule's findings, or of every rule's (--all)",
    usage: 'fix --config PATH (--rule RULE | --all) [--loaded FILE] [--downloaded FILE] [--openclaw-version V] [--openclaw PATH] [--no-probe] [--dry-run] [--json]',
    options: { ...shared('config', 'loaded', 'downloaded', 'openclaw-version', 'openclaw', 'no-probe', 'dry-run', 'json'), rule: { type: 'string' }, all: { type: 'boolean' } },
    docs: {
      rule: { value: 'RULE', about: "fix this rule's findings (`local-ai-lab rules` lists them)" },
      all: { about: 'fix the findings of every rule' },
      'dry-run': { about: 'print the unified diff and write nothing' },
    },
    run: async (o) => (await checkCli()).fix(o),
  }),
  command({
    path: ['migrate'],
    summary: 'Make openclaw.json valid for the installed OpenClaw, keeping comments and untouched text',
    usage: 'migrate --config PATH [--openclaw-version V] [--openclaw PATH] [--no-repair] [--dry-run] [--json]',
    options: { ...shared('config', 'openclaw-version', 'openclaw', 'dry-run', 'json'), 'no-repair': { type: 'boolean' } },
    docs: {
      'openclaw-version': { value: 'V', about: 'name this release in explanations (the installed OpenClaw still judges the file)' },
      'no-repair': { about: "use only our own fixes, not OpenClaw's repair" },
      'dry-run': { about: 'print the diff and write nothing' },
    },
    run: async (o) => (await migrateCli()).migrateCommand(o),
  }),
  command({
    path: ['profile', 'list'],
    summary: 'List the profiles, marking the one in force (* or ~ when it drifted)',
    usage: `profile list ${PROFILE_FILTERS}`,
    options: PROFILE_OPTIONS,
    positionals: true,
    docs: PROFILE_DOCS,
    run: (o, args) => profileRun('list', o, args),
  }),
  command({
    path: ['profile', 'show'],
    summary: 'Show a profile and the plan that would put it in force',
    usage: `profile show NAME ${PROFILE_FILTERS}`,
    options: PROFILE_OPTIONS,
    positionals: true,
    docs: PROFILE_DOCS,
    run: (o, args) => profileRun('show', o, args),
  }),
  command({
    path: ['profile', 'apply'],
    summary: 'Apply a profile: a backup, the config edits, the model loads',
    usage: 'profile apply NAME [--config PATH] [--profiles FILE] [--dry-run [--loaded FILE] [--downloaded FILE] [--no-probe]] [--yes] [--openclaw-version V] [--openclaw PATH] [--json]',
    options: PROFILE_OPTIONS,
    positionals: true,
    docs: { ...PROFILE_DOCS, 'dry-run': { about: 'print the plan and the diff, and change nothing' } },
    run: (o, args) => profileRun('apply', o, args),
  }),
  command({
    path: ['lab', 'run'],
    summary: 'Run a workload n times as a lab session, one timed dispatch after another',
    usage: 'lab run WORKLOAD [-n N] [--config PATH] [--dir DIR] [--openclaw PATH] [--profile P [--profiles FILE] [--keep-profile]] [--allow-hosted] [--allow-any-prompt-file] [--no-wire] [--sample-ms MS] [--wire-bodies] [--proxies FILE --proxy NAME] [--json]',
    options: { ...LAB_OPTIONS, ...shared('proxies', 'proxy') },
    positionals: true,
    docs: { n: { value: 'N', about: "dispatches (1–1000; default: the workload's repeats)" } },
    run: async (o, args) => (await labCli()).labCommand('run', o, args),
  }),
  command({
    path: ['lab', 'resume'],
    summary: 'Run the dispatches a cancelled or interrupted lab session still owes',
    usage: 'lab resume ID [--config PATH] [--dir DIR] [--openclaw PATH] [--allow-hosted] [--no-wire] [--sample-ms MS] [--wire-bodies] [--json]',
    options: LAB_OPTIONS,
    positionals: true,
    run: async (o, args) => (await labCli()).labCommand('resume', o, args),
  }),
  command({
    path: ['lab', 'list'],
    summary: 'List the lab sessions',
    usage: 'lab list [--dir DIR] [--json]',
    options: LAB_OPTIONS,
    positionals: true,
    run: async (o, args) => (await labCli()).labCommand('list', o, args),
  }),
  command({
    path: ['lab', 'show'],
    summary: "Print a lab session's notebook table, or its timeline (also of a darkmux instruments.jsonl or flow file)",
    usage: 'lab show (ID | DARKMUX-FILE --timeline) [--timeline] [--dir DIR] [--json]',
    options: { ...LAB_OPTIONS, ...shared('timeline') },
    positionals: true,
    run: async (o, args) => (await labCli()).labCommand('show', o, args),
  }),
  command({
    path: ['lab', 'compare'],
    summary: 'Compare two lab sessions: Δ median with its interval, slow rate, completion',
    usage: 'lab compare A B [--dir DIR] [--json]',
    options: LAB_OPTIONS,
    positionals: true,
    run: async (o, args) => (await labCli()).labCommand('compare', o, args),
  }),
  command({
    path: ['lab', 'stats'],
    summary: "Classify durations in seconds with the lab's statistics (fast/slow split)",
    usage: 'lab stats [--json] SECONDS...',
    options: shared('json'),
    positionals: true,
    run: async (o, args) => (await labCli()).labStats(o, args),
  }),
  command({
    path: ['lab', 'sweep'],
    summary: 'Isolation sweep: which knob of a base profile is load-bearing',
    usage:
      'lab sweep WORKLOAD --base PROFILE [-n N] [--knobs K1,K2,…] [--dry-run [--loaded FILE] [--downloaded FILE]] [--config PATH] [--dir DIR] [--profiles FILE] [--openclaw PATH] [--openclaw-version V] [--allow-hosted] [--allow-any-prompt-file] [--no-wire] [--sample-ms MS] [--wire-bodies] [--proxies FILE] [--json]',
    options: {
      ...shared('n', 'dry-run', 'json', 'dir', 'config', 'profiles', 'openclaw', 'openclaw-version', 'loaded', 'downloaded', 'allow-hosted', 'allow-any-prompt-file', 'no-wire', 'sample-ms', 'wire-bodies', 'proxies'),
      base: { type: 'string' },
      knobs: { type: 'string' },
    },
    positionals: true,
    docs: {
      base: { value: 'PROFILE', about: 'the profile the variants start from' },
      knobs: { value: 'K1,K2,…', about: 'only these knobs (primaryContext, budget, compactor, compactorContext, mode, recentTurnsPreserve, keepRecentTokens)' },
      n: { value: 'N', about: 'dispatches per arm (1–1000, default 6)' },
      'dry-run': { about: 'print the variants and write nothing' },
    },
    run: async (o, args) => (await import('./sweep.js')).labSweep(o, args),
  }),
  command({
    path: ['lab', 'prove'],
    summary: "Measure a finding's preferred fix on this machine: the config as it is against the fix, n dispatches each",
    usage: 'lab prove RULE [--path P] [-n N] [--workload W] [--dry-run] [--json] [--dir DIR] [--config PATH] [--loaded FILE] [--downloaded FILE] [--openclaw-version V] [--openclaw PATH] [--no-probe]',
    options: {
      ...shared('n', 'dry-run', 'json', 'dir', 'config', 'openclaw', 'openclaw-version', 'loaded', 'downloaded', 'no-probe'),
      path: { type: 'string' },
      workload: { type: 'string' },
    },
    positionals: true,
    docs: {
      path: { value: 'P', about: "the finding's JSON path, when the rule has several (default: its first)" },
      n: { value: 'N', about: 'dispatches per arm (1–1000, default 6)' },
      workload: { value: 'W', about: 'the workload each arm runs (default: grow-context for the compaction rules, else agent-turn)' },
      'dry-run': { about: 'print the arms and write nothing' },
    },
    run: async (o, args) => (await proveCli()).labProve(o, args),
  }),
  command({
    path: ['probe', 'prompt-sections'],
    summary: "Which workspace files reached the agent's system prompt",
    usage: 'probe prompt-sections [--agent ID] [--config PATH] [--openclaw PATH] [--timeout SECONDS] [--allow-hosted] [--json]',
    options: PROBE_OPTIONS,
    run: async (o) => (await probeCli()).probePromptSections(o),
  }),
  command({
    path: ['probe', 'codewords'],
    summary: 'Does the compactor carry what matters: planted codewords through a compaction',
    usage:
      'probe codewords [--profile P [--profiles FILE] [--keep-profile]] [-n N] [--agent ID] [--max-growth K] [--dir DIR] [--config PATH] [--openclaw PATH] [--timeout SECONDS] [--allow-hosted] [--json]',
    options: { ...PROBE_OPTIONS, ...shared('profile', 'profiles', 'keep-profile', 'n', 'dir'), 'max-growth': { type: 'string' } },
    docs: {
      n: { value: 'N', about: 'sessions (1–100, default 1)' },
      'max-growth': { value: 'K', about: 'filler turns at most while waiting for a compaction (1–50, default 6)' },
    },
    run: async (o) => (await probeCli()).probeCodewords(o),
  }),
  command({
    path: ['probe', 'prefix-stability'],
    summary: 'Does each turn reuse the server\'s prompt cache: cache busts per request, their causes and the prefill they cost',
    usage:
      'probe prefix-stability [--turns N] [--touch-workspace-file NAME] [--profile P [--profiles FILE] [--keep-profile]] [--agent ID] [--dir DIR] [--config PATH] [--openclaw PATH] [--timeout SECONDS] [--allow-hosted] [--dry-run] [--json]',
    options: { ...PROBE_OPTIONS, ...shared('profile', 'profiles', 'keep-profile', 'dir', 'dry-run'), turns: { type: 'string' }, 'touch-workspace-file': { type: 'string' } },
    docs: {
      turns: { value: 'N', about: 'turns in the one session (1–12, default 4)' },
      'touch-workspace-file': { value: 'NAME', about: "append one line to this workspace file (e.g. AGENTS.md) before turn 2, to show what a mid-session edit costs; its bytes are put back after the last turn" },
      'dry-run': { about: 'print the turns and the servers the wire would record; run nothing' },
    },
    run: async (o) => (await probeCli()).probePrefixStability(o),
  }),
  command({
    path: ['probe', 'tools'],
    summary: 'Do tool calls work for the model OpenClaw uses: nonce tasks per model × API mode',
    usage:
      'probe tools [--model P/M[,P/M…]] [--api completions,responses,ollama] [--tasks read,exec,impossible] [--profile P [--profiles FILE] [--keep-profile]] [--agent ID] [--dir DIR] [--config PATH] [--openclaw PATH] [--timeout SECONDS] [--allow-hosted] [--dry-run] [--json]',
    options: { ...PROBE_OPTIONS, ...shared('profile', 'profiles', 'keep-profile', 'dir', 'dry-run'), model: { type: 'string' }, api: { type: 'string' }, tasks: { type: 'string' } },
    docs: {
      model: { value: 'P/M', about: "models to probe, comma-separated (default: the agent's own model)" },
      api: { value: 'MODES', about: "API modes, comma-separated: completions, responses, ollama (default: the provider's configured api); another mode runs on a private copy of the config" },
      tasks: { value: 'TASKS', about: 'tasks, comma-separated: read, exec, impossible (default: all)' },
      timeout: { value: 'SECONDS', about: 'per OpenClaw turn (default 300): a stream that never ends is reported as a hang after it' },
      'dry-run': { about: 'print the rows, tasks and turns that would run, and run nothing' },
    },
    run: async (o) => (await probeCli()).probeTools(o),
  }),
  command({
    path: ['probe', 'fill'],
    summary: 'The usable context: a codeword planted, the session grown until OpenClaw compacts or the server refuses or truncates',
    usage:
      'probe fill [--profile P [--profiles FILE] [--keep-profile]] [--agent ID] [--max-turns N] [--step TOKENS] [--dir DIR] [--config PATH] [--openclaw PATH] [--timeout SECONDS] [--allow-hosted] [--dry-run] [--json]',
    options: { ...PROBE_OPTIONS, ...shared('profile', 'profiles', 'keep-profile', 'dir', 'dry-run'), 'max-turns': { type: 'string' }, step: { type: 'string' } },
    docs: {
      'max-turns': { value: 'N', about: 'turns in all, the plant and the recall included (3–40, default 12)' },
      step: { value: 'TOKENS', about: 'tokens each growth turn adds (100–24000; default: enough to pass the lower of the trigger and the server context in about six turns)' },
      'dry-run': { about: 'print the turns, the servers wired and the context figures, and run nothing' },
    },
    run: async (o) => (await probeCli()).probeFill(o),
  }),
  command({
    path: ['probe', 'tool-fidelity'],
    summary: 'Compression fidelity: planted facts in tool outputs asked directly and through each declared proxy (facts lost, lines invented, tokens and prefill saved)',
    usage:
      'probe tool-fidelity [--proxies FILE] [--proxy NAME[,NAME…]]… [--model P/M | --base-url URL --model ID] [--profile P [--profiles FILE] [--keep-profile]] [--agent ID] [--dir DIR] [--config PATH] [--openclaw PATH] [--timeout SECONDS] [--allow-hosted] [--dry-run] [--json]',
    options: { ...PROBE_OPTIONS, ...shared('profile', 'profiles', 'keep-profile', 'dir', 'dry-run', 'proxies'), proxy: { type: 'string', multiple: true }, model: { type: 'string' }, 'base-url': { type: 'string' } },
    docs: {
      proxy: { value: 'NAME', about: 'the declared proxies to put in front of the server, one fresh arm each (repeatable or comma-separated; default: every declared one)' },
      model: { value: 'P/M', about: "the model to ask (default: the config's primary); with --base-url, the model id the server knows" },
      'base-url': { value: 'URL', about: "the server's OpenAI-compatible base URL, e.g. http://127.0.0.1:1234/v1 (default: the model's provider in openclaw.json)" },
      timeout: { value: 'SECONDS', about: 'per question (default 300)' },
      'dry-run': { about: 'print the arms, the planted facts and the questions, and run nothing' },
    },
    run: async (o) => (await probeCli()).probeToolFidelity(o),
  }),
  command({
    path: ['rules'],
    summary: 'List the rules, each with its severity and one line',
    usage: 'rules [--json]',
    options: shared('json'),
    run: async (o) => (await checkCli()).rules(o),
  }),
  command({
    path: ['version'],
    aliases: ['--version', '-V'],
    summary: 'Print the version',
    usage: '--version | -V | version',
    options: {},
    lenient: true,
    run: () => {
      console.log(VERSION);
      return 0;
    },
  }),
  command({
    path: ['help'],
    aliases: ['--help', '-h'],
    summary: "Print this help, or one command's",
    usage: 'help [COMMAND]',
    options: {},
    lenient: true,
    run: (_o, args) => {
      const found = resolve(args);
      console.log(found?.command ? commandHelp(found.command) : found?.group ? groupHelp(found.group) : helpText());
      return 0;
    },
  }),
];

/** Words that only name a group of commands (`lab`, `probe`, `profile`). */
const GROUPS = [...new Set(COMMANDS.filter((c) => c.path.length > 1).map((c) => c.path[0]!))];

export type Resolved = { command: Command; rest: string[]; group?: undefined } | { group: string; rest: string[]; command?: undefined };

/** Which command the words in front of `argv` name (the rest are its arguments), or the group they start. */
export function resolve(argv: readonly string[]): Resolved | undefined {
  for (const c of COMMANDS) {
    if (c.path.every((w, i) => argv[i] === w)) return { command: c, rest: argv.slice(c.path.length) };
    if (argv[0] !== undefined && c.aliases?.includes(argv[0])) return { command: c, rest: argv.slice(1) };
  }
  if (argv[0] !== undefined && GROUPS.includes(argv[0])) return { group: argv[0], rest: argv.slice(1) };
  return undefined;
}

export const inGroup = (group: string) => COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === group);

/** `local-ai-lab <usage>`, as the first line of a command's help and in its usage errors. */
export const usageLine = (c: Command) => `local-ai-lab ${c.usage}`;

/** The options a usage mentions (`--dir`, `-n`), in the order it names them. */
function mentioned(c: Command): string[] {
  // One pass over the usage (a RegExp per option made `help` spend 2 ms compiling them): each flag word's first place.
  const first = new Map<string, number>();
  for (const m of c.usage.matchAll(/(?<=^|[\s[(|])--?[A-Za-z0-9][\w-]*/g)) if (!first.has(m[0])) first.set(m[0], m.index);
  const at = (flag: string) => first.get(flag) ?? -1;
  return Object.entries(c.options)
    .map(([name, spec]) => [name, Math.max(at(`--${name}`), spec.short === undefined ? -1 : at(`-${spec.short}`))] as const)
    .filter(([, i]) => i >= 0)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
}

function docOf(c: Command, name: string): OptionDoc | undefined {
  return c.docs?.[name] ?? (SHARED_DOCS as Readonly<Record<string, OptionDoc>>)[name];
}

/** `-y, --yes`, `--config PATH`, `-n N` (a one-letter option is spelled short). */
function flag(name: string, spec: OptionSpec, doc: OptionDoc | undefined): string {
  const value = spec.type === 'string' ? ` ${doc?.value ?? 'VALUE'}` : '';
  if (name.length === 1) return `-${name}${value}`;
  return `${spec.short ? `-${spec.short}, ` : ''}--${name}${value}`;
}

const columns = (rows: readonly (readonly [string, string])[], indent = 2): string[] => {
  const w = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${' '.repeat(indent)}${a.padEnd(w)}  ${b}`.trimEnd());
};

/** One command's help: its usage line, what it does, and each option its usage names. */
export function commandHelp(c: Command): string {
  const rows = mentioned(c).map((name) => [flag(name, c.options[name]!, docOf(c, name)), docOf(c, name)?.about ?? ''] as const);
  return [`usage: ${usageLine(c)}`, '', `${c.summary}.`, ...(rows.length ? ['', 'Options:', ...columns(rows)] : [])].join('\n');
}

/** A group's help (`local-ai-lab lab --help`): its commands' usage lines and what each does. */
export function groupHelp(group: string): string {
  const cs = inGroup(group);
  return [
    ...cs.map((c, i) => `${i === 0 ? 'usage: ' : '       '}${usageLine(c)}`),
    '',
    ...columns(cs.map((c) => [c.path.slice(1).join(' '), c.summary])),
    '',
    `"local-ai-lab ${group} COMMAND --help" prints one command's options.`,
  ].join('\n');
}

/**
 * A usage over several lines, broken between its top-level parts (never inside `[…]` or `(…)`), the continuation
 * lines under its first argument.
 */
function wrapUsage(c: Command, width = 110): string[] {
  const parts: string[] = [];
  let depth = 0;
  let part = '';
  for (const ch of c.usage) {
    if (ch === '[' || ch === '(') depth++;
    if (ch === ']' || ch === ')') depth--;
    if (ch === ' ' && depth === 0) {
      parts.push(part);
      part = '';
    } else part += ch;
  }
  parts.push(part);
  const head = `local-ai-lab ${parts.splice(0, c.path.length).join(' ')}`;
  const indent = ' '.repeat(head.length + 1);
  const lines = [head];
  for (const p of parts) {
    const last = lines[lines.length - 1]!;
    if (last === head || last.length + 1 + p.length <= width) lines[lines.length - 1] = `${last} ${p}`;
    else lines.push(`${indent}${p}`);
  }
  return lines;
}

/** The top-level help: every command, its usage, the shared options most commands name, exit codes. */
export function helpText(): string {
  const names = (c: Command) => (c.aliases ? [...c.aliases, ...c.path].join(', ') : c.path.join(' '));
  // The shared options named in the usage of at least three commands; the rest are in each command's --help.
  const count = new Map<SharedOption, number>();
  for (const c of COMMANDS) for (const name of mentioned(c)) if (name in SHARED_OPTIONS) count.set(name as SharedOption, (count.get(name as SharedOption) ?? 0) + 1);
  const common = (Object.keys(SHARED_OPTIONS) as SharedOption[]).filter((name) => (count.get(name) ?? 0) >= 3);
  return [
    'local-ai-lab — diagnostics for OpenClaw on local model servers',
    '',
    'Commands:',
    ...columns(COMMANDS.map((c) => [names(c), c.summary])),
    '',
    'Usage:',
    ...COMMANDS.flatMap((c) => wrapUsage(c).map((l) => `  ${l}`)),
    '',
    'Options many commands take:',
    ...columns(common.map((name) => [flag(name, SHARED_OPTIONS[name], SHARED_DOCS[name]), SHARED_DOCS[name].about])),
    '',
    '"local-ai-lab COMMAND --help" prints one command\'s usage and options.',
    'Exit codes: 0 no error-level finding / success, 1 findings or failure, 2 bad usage or unreadable input.',
  ].join('\n');
}
