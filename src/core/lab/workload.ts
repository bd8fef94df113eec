import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../fsutil.js';
import { readBoundedSync } from '../read.js';
import { PROMPT_SECTIONS_WORKLOAD } from './experiments/promptSections.js';
import { CODEWORD_WORKLOAD } from './experiments/codewords.js';
import { GROW_CONTEXT_WORKLOAD } from './dispatch/growContext.js';
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
  GROW_CONTEXT_WORKLOAD,
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
      // Bounded: a workload file from a cloned folder may be a FIFO or a link to a device.
      json = JSON.parse(Buffer.from(readBoundedSync(asPath, { maxBytes: 1024 * 1024 }) ?? '').toString('utf8'));
    } catch (err) {
      throw new WorkloadError(`${asPath}: not JSON: ${(err as Error).message}`);
    }
    const parsed = parseWorkload(json, asPath);
    if (parsed.prompt !== undefined) return { workload: parsed, prompt: parsed.prompt, file: asPath };
    const { real, text } = readPromptFile(asPath, parsed.promptFile!, opts);
    // The session records the file's resolved path and the hash of its text, never the text (newSession).
    return { workload: { ...parsed, promptFile: real }, prompt: text, file: asPath };
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

/** Names that hold keys or credentials, not prompts: refused as a promptFile unless allowed on this machine. */
const SECRET_NAME = /^(id_(rsa|dsa|ecdsa|ed25519)(_sk)?(\.pub)?|authorized_keys|known_hosts|\.?netrc|\.?npmrc|\.?pgpass|\.?pypirc|\.?env(\..*)?|.*\.(pem|key|p12|pfx|jks|keystore|kdbx|gpg|asc|ppk)|.*(credential|secret|password|passwd|token|apikey|api_key|private).*)$/i;
const SECRET_TEXT = /-----BEGIN [A-Z ]*PRIVATE KEY-----|^\s*aws_secret_access_key\s*=|"private_key"\s*:/m;

/**
 * Why `real` may not be sent as a prompt: a file in a dot-folder under where it was allowed (`.ssh`,
 * `.aws`, `.config`; the lab's own `.local-ai-lab` is fine) or one whose name or text looks like a key
 * or credentials. Undefined when it may.
 */
export function promptFileRefusal(real: string, root: string | undefined, text?: string): string | undefined {
  const rel = root ? path.relative(root, real) : path.basename(real);
  const dotted = rel.split(path.sep).slice(0, -1).find((seg) => seg.startsWith('.') && seg !== '.local-ai-lab');
  if (dotted) return `it lies in the hidden folder ${dotted}, where keys and settings live`;
  if (SECRET_NAME.test(path.basename(real))) return 'its name looks like a key or credentials';
  if (text !== undefined && SECRET_TEXT.test(text)) return 'it holds what looks like a private key or credentials';
  return undefined;
}

/**
 * A promptFile is read only from the workload file's folder (or below) or one of `roots`, judged after
 * symlinks are resolved, so a workload cannot send /etc/passwd or ~/.ssh/id_ed25519 as its prompt; and
 * not from a dot-folder or a file that looks like a key even there (run from $HOME, `../../.ssh/…` is inside).
 */
function readPromptFile(workloadFile: string, promptFile: string, opts: LoadOptions): { real: string; text: string } {
  const file = path.resolve(path.dirname(workloadFile), promptFile);
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (err) {
    throw new WorkloadError(`${workloadFile}: promptFile ${file}: ${(err as Error).message}`);
  }
  const allow = '(setting localAiLab.lab.allowPromptFilesAnywhere, CLI --allow-any-prompt-file)';
  let root: string | undefined;
  if (!opts.allowAnyPromptFile) {
    const roots = [path.dirname(workloadFile), ...(opts.roots ?? [])].map(realpathOr);
    root = roots.find((r) => inside(real, r));
    if (!root) {
      throw new WorkloadError(`${workloadFile}: promptFile ${file}${real !== file ? ` (→ ${real})` : ''} is outside the workload's folder and the workspace; move it there, or allow it on this machine ${allow}`);
    }
    const why = promptFileRefusal(real, root);
    if (why) throw new WorkloadError(`${workloadFile}: promptFile ${file} is not sent to a model: ${why}. Use another file, or allow it on this machine ${allow}`);
  }
  let text: string;
  try {
    text = readPromptText(real);
  } catch (err) {
    throw new WorkloadError(`${workloadFile}: promptFile ${file}: ${(err as Error).message}`);
  }
  if (!opts.allowAnyPromptFile) {
    const why = promptFileRefusal(real, root, text);
    if (why) throw new WorkloadError(`${workloadFile}: promptFile ${file} is not sent to a model: ${why}. Use another file, or allow it on this machine ${allow}`);
  }
  return { real, text };
}

/** A prompt file's text, bounded like every read (a FIFO or /dev/zero must not hang or fill memory). */
function readPromptText(file: string): string {
  const bytes = readBoundedSync(file, { maxBytes: MAX_PROMPT_BYTES });
  if (!bytes) throw new Error('it does not exist');
  return Buffer.from(bytes).toString('utf8');
}

// Above what any dispatcher sends (openclaw agent reads 4 MiB and says so itself); only a bound on memory.
const MAX_PROMPT_BYTES = 16 * 1024 * 1024;

/**
 * The prompt of a session being resumed: its text, or for a promptFile the file's text again, which must
 * hash to what the session recorded (a session folder from elsewhere cannot name a file to send).
 */
export function resumedPrompt(session: { prompt?: string | null; promptSha256?: string | null; workload: { promptFile?: string } }): string {
  if (typeof session.prompt === 'string') return session.prompt;
  const file = session.workload.promptFile;
  if (!file || !session.promptSha256) throw new WorkloadError('the session records neither its prompt nor its prompt file');
  let text: string;
  try {
    text = readPromptText(file);
  } catch (err) {
    throw new WorkloadError(`the session's prompt file ${file}: ${(err as Error).message}`);
  }
  if (sha256(text) !== session.promptSha256) throw new WorkloadError(`the session's prompt file ${file} is not the text the session started with (its sha256 differs); start a new session`);
  return text;
}
