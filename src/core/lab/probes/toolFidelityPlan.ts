/**
 * What `probe tool-fidelity` plants and asks (#25): a conversation whose tool results carry one fact each — a grep
 * with one needle line among 200, a log with one ERROR among 150 lines, a JSON job list with one failed item, an
 * `ls` with the lock file that matters — and questions that need them, one of which has "no match" for its honest
 * answer. Pure data, shared by the probe and the scripted model of its tests.
 *
 * Every tool result is OpenClaw's shell tool `exec` (not among Headroom's default exclusions), and two small calls
 * follow the four that carry facts, so the facts sit a few tool calls back, as they do in an agent session, not
 * inside a proxy's protected recent window.
 */

export interface PlantedFact {
  readonly id: 'grep' | 'log' | 'json' | 'ls';
  /** The command the tool ran (what the assistant's call says). */
  readonly command: string;
  /** A line of the tool's output that carries the fact, exactly as printed. */
  readonly line: string;
  readonly output: string;
}

export interface FidelityQuestion {
  readonly id: string;
  /** The fact it needs (none: the honest answer is "no match"). */
  readonly fact: PlantedFact['id'] | null;
  readonly text: string;
  /** The right answer, as a pattern over the reply (for the "no match" question: the reply says no match). */
  readonly expect: RegExp;
  /** A reply that names one of these is wrong even if it matches `expect` (a "no match" answer that still names a file). */
  readonly reject?: RegExp;
}

export const NO_MATCH = 'no match';

const GREP_NEEDLE = 'src/legacy/worker.ts:412:  timeout: 0, // disabled: jobs never expire';
const LOG_NEEDLE = '2026-12-06T04:12:09Z ERROR payments: card processor rejected batch 7731';
const JSON_NEEDLE = { id: 'job-4417', queue: 'nightly', status: 'failed', attempts: 3 };
const LS_NEEDLE = 'MIGRATION.lock';

/** JSON printed one item a line (as `jq -c` into a list would): a line a layer keeps or drops is one item. */
export const jsonListText = (items: readonly unknown[]): string => ['[', ...items.map((x, i) => `  ${JSON.stringify(x)}${i < items.length - 1 ? ',' : ''}`), ']'].join('\n');

function grepOutput(): string {
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) lines.push(i === 150 ? GREP_NEEDLE : `src/mod${String(199 - i).padStart(3, '0')}/config.ts:${10 + (i % 40)}:  timeout: ${1000 + i * 10},`);
  return lines.join('\n');
}

function logOutput(): string {
  const lines: string[] = [];
  for (let i = 0; i < 150; i++) {
    const t = `2026-12-06T04:${String(Math.floor(i / 60) + 10).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`;
    lines.push(i === 97 ? LOG_NEEDLE : `${t} INFO payments: batch ${7000 + i} settled (${20 + (i % 7)} items)`);
  }
  return lines.join('\n');
}

function jsonOutput(): string {
  const items = Array.from({ length: 60 }, (_, i) => (i === 37 ? JSON_NEEDLE : { id: `job-${4380 + i}`, queue: 'nightly', status: 'ok', attempts: 1 }));
  return jsonListText(items);
}

function lsOutput(): string {
  const lines: string[] = [];
  for (let i = 0; i < 90; i++) lines.push(i === 44 ? LS_NEEDLE : `${String(i + 1).padStart(4, '0')}_migration_${i + 1}.sql`);
  return lines.join('\n');
}

export const PLANTED_FACTS: readonly PlantedFact[] = [
  { id: 'grep', command: 'grep -rn "timeout" src', line: GREP_NEEDLE, output: grepOutput() },
  { id: 'log', command: 'tail -n 150 logs/payments.log', line: LOG_NEEDLE, output: logOutput() },
  { id: 'json', command: 'jobctl list --json', line: JSON.stringify(JSON_NEEDLE), output: jsonOutput() },
  { id: 'ls', command: 'ls -1 db/migrations', line: LS_NEEDLE, output: lsOutput() },
];

export const FIDELITY_QUESTIONS: readonly FidelityQuestion[] = [
  { id: 'grep-needle', fact: 'grep', text: `From the grep output above: which file disables the timeout entirely (sets it to 0)? Answer with the path only, or say "${NO_MATCH}".`, expect: /src\/legacy\/worker\.ts/ },
  { id: 'log-error', fact: 'log', text: `From the log above: which batch did the card processor reject? Answer with the batch number only, or say "${NO_MATCH}".`, expect: /\b7731\b/ },
  { id: 'json-failed', fact: 'json', text: `From the job list above: which job failed? Answer with the job id only, or say "${NO_MATCH}".`, expect: /\bjob-4417\b/ },
  { id: 'ls-lock', fact: 'ls', text: `From the migrations listing above: is there a lock file? Answer with its file name only, or say "${NO_MATCH}".`, expect: /MIGRATION\.lock/ },
  { id: 'grep-none', fact: null, text: `From the grep output above: which file sets the timeout to 86400? Answer with the path only, or say "${NO_MATCH}".`, expect: /no match/i, reject: /\.ts\b/ },
];

/** The tool the conversation offers: OpenClaw's shell tool, as a chat-completions function. */
export const EXEC_TOOL = {
  type: 'function',
  function: { name: 'exec', description: 'Run a shell command in the workspace and return its output.', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
} as const;

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** The conversation before a question: four tool results with facts, two small ones after, an assistant note. */
export function fidelityConversation(): ChatMessage[] {
  const calls: { command: string; output: string }[] = [...PLANTED_FACTS.map((f) => ({ command: f.command, output: f.output })), { command: 'pwd', output: '/home/operator/shop' }, { command: 'git status --short', output: ' M src/app.ts' }];
  const out: ChatMessage[] = [
    { role: 'system', content: 'You are a coding agent. Answer from the tool outputs in this conversation only.' },
    { role: 'user', content: 'Collect what we need for the incident review: the timeouts, the payments log, the job list and the migrations folder.' },
  ];
  calls.forEach((c, i) => {
    const id = `call_fid_${i + 1}`;
    out.push({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'exec', arguments: JSON.stringify({ command: c.command }) } }] });
    out.push({ role: 'tool', tool_call_id: id, content: c.output });
  });
  out.push({ role: 'assistant', content: 'I have collected the outputs. Ask me about them.' });
  return out;
}

/** A question's request messages: the conversation, then the question. */
export const fidelityMessages = (q: FidelityQuestion): ChatMessage[] => [...fidelityConversation(), { role: 'user', content: q.text }];

/** Whether a reply answers `q` right. */
export function answeredRight(q: FidelityQuestion, reply: string): boolean {
  return q.expect.test(reply) && !(q.reject?.test(reply) ?? false);
}
