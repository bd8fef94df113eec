import fs from 'node:fs';
import path from 'node:path';
import { PROMPT_SECTIONS_WORKLOAD } from './experiments/promptSections.js';
import { CODEWORD_WORKLOAD } from './experiments/codewords.js';
import { DEFAULT_MAX_OUTPUT_BYTES, parseWorkload, WorkloadError, type Workload } from './workloadSchema.js';

/** Works on a fresh install: one short question straight to the primary model's server. */
export const BUILTIN_WORKLOADS: readonly Workload[] = [
  {
    name: 'quick-check',
    description: 'One short question to the primary model over its OpenAI-compatible API; the reply must end with DONE.',
    dispatcher: 'openai',
    transport: 'auto',
    prompt: 'In two sentences, explain what a context window limits in a language model. End your reply with the word DONE.',
    repeats: 6,
    timeoutSeconds: 120,
    maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
    maxTokens: 256,
    expectations: { contains: ['DONE'] },
  },
  {
    name: 'agent-turn',
    description: 'One OpenClaw agent turn (openclaw agent --local), each in its own session.',
    dispatcher: 'openclaw',
    transport: 'auto',
    prompt: 'List three things you would check before a long agentic run on a local model, then write DONE on its own line.',
    repeats: 6,
    timeoutSeconds: 600,
    maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
    expectations: { contains: ['DONE'] },
  },
  PROMPT_SECTIONS_WORKLOAD,
  CODEWORD_WORKLOAD,
];

/**
 * The built-ins the editor's Run Lab and sweep pickers offer: the codeword workload alone only plants codewords;
 * its result is the probe's survival matrix (Probe Codeword Survival, `probe codewords`), so it is not offered as a lab.
 */
export const LAB_PICKER_WORKLOADS: readonly Workload[] = BUILTIN_WORKLOADS.filter((w) => w !== CODEWORD_WORKLOAD);

export interface LoadOptions {
  /** Folders a promptFile may also lie in besides the workload file's own (the workspace; the CLI's cwd). */
  readonly roots?: readonly string[];
  /** Machine-scoped opt-in (setting localAiLab.lab.allowPromptFilesAnywhere, CLI --allow-any-prompt-file). */
  readonly allowAnyPromptFile?: boolean;
}

/** A name (built-in or `<dir>/workloads/<name>.json`) or a path to a workload file. */
export function loadWorkload(ref: string, labDir: string, opts: LoadOptions = {}): { workload: Workload; prompt: string; file?: string } {
  const asPath = ref.endsWith('.json') ? path.resolve(ref) : path.join(labDir, 'workloads', `${ref}.json`);
  if (fs.existsSync(asPath)) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(asPath, 'utf8'));
    } catch (err) {
      throw new WorkloadError(`${asPath}: not JSON: ${(err as Error).message}`);
    }
    const workload = parseWorkload(json, asPath);
    const prompt = workload.prompt ?? readPromptFile(asPath, workload.promptFile!, opts);
    return { workload, prompt, file: asPath };
  }
  const builtin = BUILTIN_WORKLOADS.find((w) => w.name === ref);
  if (!builtin) throw new WorkloadError(`no workload "${ref}" (built-in: ${BUILTIN_WORKLOADS.map((w) => w.name).join(', ')}; or ${path.join(labDir, 'workloads', `${ref}.json`)})`);
  return { workload: builtin, prompt: builtin.prompt! };
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

const inside = (file: string, dir: string) => {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * A promptFile is read only from the workload file's folder (or below) or one of `roots`, judged after
 * symlinks are resolved, so a workload cannot send /etc/passwd or ~/.ssh/id_ed25519 as its prompt.
 */
function readPromptFile(workloadFile: string, promptFile: string, opts: LoadOptions): string {
  const file = path.resolve(path.dirname(workloadFile), promptFile);
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (err) {
    throw new WorkloadError(`${workloadFile}: promptFile ${file}: ${(err as Error).message}`);
  }
  if (!opts.allowAnyPromptFile) {
    const roots = [path.dirname(workloadFile), ...(opts.roots ?? [])].map(realpathOr);
    if (!roots.some((r) => inside(real, r))) {
      throw new WorkloadError(
        `${workloadFile}: promptFile ${file}${real !== file ? ` (→ ${real})` : ''} is outside the workload's folder and the workspace; move it there, or allow it on this machine (setting localAiLab.lab.allowPromptFilesAnywhere, CLI --allow-any-prompt-file)`,
      );
    }
  }
  try {
    return fs.readFileSync(real, 'utf8');
  } catch (err) {
    throw new WorkloadError(`${workloadFile}: promptFile ${file}: ${(err as Error).message}`);
  }
}
