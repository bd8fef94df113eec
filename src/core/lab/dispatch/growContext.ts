import fs from 'node:fs';
import path from 'node:path';
import type { Workload } from '../workloadSchema.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../workloadSchema.js';
import type { Dispatcher, DispatchOutcome } from './types.js';

/**
 * The built-in workload that compacts (`grow-context`, issue #23): one `openclaw agent` run that grows its own
 * context past OpenClaw's compaction trigger on the model in use. Before each dispatch (outside its clock) the lab
 * writes numbered files of known size into a folder of its own inside the agent's workspace, sized from the
 * model's effective context C and reserve R (the project's one context math, src/core/openclaw/context.ts, through
 * `predictedCompaction`): about GROW_FACTOR × (C − R) tokens at CHARS_PER_TOKEN characters a token. The prompt asks
 * the agent to read them one by one with its `read` tool, each file naming the next, then to answer a fixed line
 * and DONE. The folder is removed after every dispatch: after its evidence is collected, on cancel, on a failure
 * and when the session ends, whatever happened. Only this built-in gets the setup (`growSetupFor`): a workload
 * file gains no power to write files.
 */
export const GROW_FOLDER = 'local-ai-lab-grow-context';
/** Written first into the folder: the lab removes only a folder that carries it (never one of the user's). */
export const GROW_MARKER = '.local-ai-lab-owned';
export const GROW_FACTOR = 1.3;
export const CHARS_PER_TOKEN = 4;
/** Under the read tool's own cut (50 KB or 2,000 lines a call), so every file is read whole, its last line too. */
export const GROW_FILE_MAX_CHARS = 40_000;
/** At least this many files: the growth comes in steps, read after read, as a long agentic run's does. */
export const GROW_MIN_FILES = 4;
export const GROW_ANSWER = 'All files read.';

export const GROW_CONTEXT_PROMPT =
  `Your workspace holds the folder ${GROW_FOLDER}/ with numbered text files (a context-growth test written by Local AI Lab). ` +
  `Read ${GROW_FOLDER}/part-0.txt with your read tool; its last line names the next file: read that one next, one file per read, ` +
  'until a file says it is the last. Do not summarize or quote them, and read each file whole. ' +
  `Then answer with the line "${GROW_ANSWER}" and write DONE on its own line.`;

export const GROW_CONTEXT_WORKLOAD: Workload = {
  name: 'grow-context',
  description: `One OpenClaw agent run that reads files the lab writes into its workspace (${GROW_FOLDER}/, removed after each dispatch) until its context is past the compaction trigger, about ${GROW_FACTOR} × (C − R) tokens: the workload that compacts.`,
  dispatcher: 'openclaw',
  transport: 'auto',
  prompt: GROW_CONTEXT_PROMPT,
  repeats: 6,
  timeoutSeconds: 900,
  maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
  expectations: { contains: ['DONE'] },
};

export interface GrowFile {
  /** Relative to the workspace: `local-ai-lab-grow-context/part-N.txt`. */
  readonly name: string;
  readonly chars: number;
}

export interface GrowPlan {
  readonly contextTokens: number;
  readonly reserveTokens: number;
  /** ⌈GROW_FACTOR × (C − R)⌉. */
  readonly totalTokens: number;
  readonly totalChars: number;
  readonly files: readonly GrowFile[];
}

/**
 * How much the lab writes for C and R (from `predictedCompaction`): ⌈1.3 × (C − R)⌉ tokens at 4 characters a token,
 * split evenly into at least four files of at most 40,000 characters and at most C/2 characters (an eighth of the
 * context in tokens), so no single read result is a large share of the window.
 */
export function growPlan(contextTokens: number, reserveTokens: number): GrowPlan {
  const budget = Math.max(1, contextTokens - reserveTokens);
  const totalTokens = Math.ceil(GROW_FACTOR * budget);
  const totalChars = totalTokens * CHARS_PER_TOKEN;
  const perFile = Math.max(1000, Math.min(GROW_FILE_MAX_CHARS, Math.floor((contextTokens / 8) * CHARS_PER_TOKEN)));
  const count = Math.max(GROW_MIN_FILES, Math.ceil(totalChars / perFile));
  const base = Math.floor(totalChars / count);
  const files = Array.from({ length: count }, (_, i) => ({ name: `${GROW_FOLDER}/part-${i}.txt`, chars: base + (i < totalChars - base * count ? 1 : 0) }));
  return { contextTokens, reserveTokens, totalTokens, totalChars, files };
}

/** File `i`'s text, exactly `chars` characters: lines that name the file (`FILE i line n: …`), the last naming the next file. */
export function growFileText(plan: GrowPlan, i: number): string {
  const f = plan.files[i]!;
  const tail = i + 1 < plan.files.length ? `END OF FILE ${i}. Next: read ${plan.files[i + 1]!.name}\n` : `END OF FILE ${i}. This was the last file.\n`;
  const lines: string[] = [];
  let size = tail.length;
  for (let n = 0; ; n++) {
    const line = `FILE ${i} line ${n}: the cache keeps hot key k${(n * 7919) % 10007} for ${n % 97} seconds, then evicts it.\n`;
    if (size + line.length > f.chars) break;
    lines.push(line);
    size += line.length;
  }
  // The rest as one line of dots, so the file has exactly the planned size.
  if (f.chars > size) lines.push(`${'.'.repeat(f.chars - size - 1)}\n`);
  return lines.join('') + tail;
}

export class GrowFolderRefused extends Error {}

const folderOf = (workspace: string) => path.join(workspace, GROW_FOLDER);

/** True when `dir` is a real folder (not a link) that carries the lab's marker. */
function labOwned(dir: string): boolean {
  try {
    if (!fs.lstatSync(dir).isDirectory()) return false;
    return fs.lstatSync(path.join(dir, GROW_MARKER)).isFile();
  } catch {
    return false;
  }
}

/**
 * Removes the lab's folder from `workspace`, and only when it is the lab's (a real folder with the marker): a file,
 * a link or a folder of the user's by that name is left alone. Returns whether something was removed.
 */
export function removeGrowFiles(workspace: string): boolean {
  const dir = folderOf(workspace);
  if (!labOwned(dir)) return false;
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}

/**
 * Writes the plan's files into `workspace`/GROW_FOLDER (a leftover of a killed run, marked as the lab's, is replaced).
 * Refuses (GrowFolderRefused) when something not the lab's stands at that name. The workspace itself is created when
 * missing, as OpenClaw would.
 */
export function writeGrowFiles(workspace: string, plan: GrowPlan): string[] {
  const dir = folderOf(workspace);
  removeGrowFiles(workspace);
  let exists = false;
  try {
    fs.lstatSync(dir);
    exists = true;
  } catch {
    /* free */
  }
  if (exists) throw new GrowFolderRefused(`${dir} exists and is not the lab's; the grow-context workload writes its files there. Move it away, or choose another workload`);
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, GROW_MARKER), 'Written by Local AI Lab (grow-context workload); removed after each dispatch.\n', { flag: 'wx' });
  try {
    for (let i = 0; i < plan.files.length; i++) fs.writeFileSync(path.join(workspace, plan.files[i]!.name), growFileText(plan, i), { flag: 'wx' });
  } catch (err) {
    removeGrowFiles(workspace);
    throw err;
  }
  return plan.files.map((f) => f.name);
}

/** The built-in grow-context workload (the object itself, or a resumed session's copy of it), never a workload file's. */
export function isGrowContext(w: Workload): boolean {
  return w === GROW_CONTEXT_WORKLOAD || (w.name === GROW_CONTEXT_WORKLOAD.name && w.dispatcher === 'openclaw' && w.prompt === GROW_CONTEXT_PROMPT && w.promptFile === undefined && !w.expectations?.verify);
}

/**
 * The dispatcher with the files in place for each dispatch: written in `prepare` (before the clock starts), removed
 * in `collect` (after it stopped), and at once when the dispatch was cancelled or threw (no collect follows then).
 * `dispose` removes them whatever happened; the session calls it when it ends.
 */
export function withGrowFiles(d: Dispatcher, o: { workspace: string; plan: GrowPlan }): Dispatcher & { dispose: () => void } {
  const clean = () => {
    try {
      removeGrowFiles(o.workspace);
    } catch {
      /* the next prepare or dispose tries again */
    }
  };
  const wrapped = Object.assign(
    async (index: number, signal: AbortSignal): Promise<DispatchOutcome> => {
      let out: DispatchOutcome;
      try {
        out = await d(index, signal);
      } catch (err) {
        clean();
        throw err;
      }
      if (out.errorKind === 'cancelled') clean();
      return out;
    },
    {
      prepare: async () => {
        await d.prepare?.();
        writeGrowFiles(o.workspace, o.plan);
      },
      collect: async (index: number, outcome: DispatchOutcome, signal: AbortSignal): Promise<Partial<DispatchOutcome>> => {
        try {
          return d.collect ? await d.collect(index, outcome, signal) : {};
        } finally {
          clean();
        }
      },
      dispose: clean,
    },
  );
  return wrapped;
}
