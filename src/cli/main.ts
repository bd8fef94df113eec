import { UsageError } from './usage.js';
import { ConfigUnreadable } from '../core/errors.js';
import { redactCredentials } from '../core/servers/address.js';
import { commandHelp, groupHelp, helpText, inGroup, resolve, usageLine, type Command } from './commands.js';

// Required, not imported: an ES import of node:util reads every export of it, and one of them (TextDecoder) costs
// ~5 ms to make, a tenth of what `help` may take (issue #26).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseArgs } = require('node:util') as typeof import('node:util');

/** `--help`/`-h`, which every command takes. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** parseArgs' words, on one line: its hint about `--` for positionals is noise here (none of ours start with '-'). */
const parseMessage = (err: Error) => err.message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '').replace(/\s*\n\s*/g, ' ');

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    console.error(helpText());
    return 2;
  }
  let cmd: Command | undefined;
  let group: string | undefined;
  try {
    const found = resolve(argv);
    if (!found) throw new UsageError(`unknown command "${argv[0]}"`);
    if (found.group !== undefined) {
      group = found.group;
      const [word] = found.rest;
      if (word === '--help' || word === '-h') {
        console.log(groupHelp(group));
        return 0;
      }
      const subs = inGroup(group).map((c) => c.path[1]!);
      throw new UsageError(word === undefined ? `${group} needs one of: ${subs.join(', ')}` : `unknown command "${group} ${word}" (${group} takes ${subs.join(', ')})`);
    }
    cmd = found.command;
    const { values, positionals } = parseArgs({ args: found.rest, options: { ...cmd.options, ...HELP_OPTION }, allowPositionals: !!cmd.positionals || !!cmd.lenient, strict: !cmd.lenient });
    if (values.help) {
      console.log(commandHelp(cmd));
      return 0;
    }
    delete values.help;
    return await cmd.run(values, positionals);
  } catch (err) {
    // One line that says what to do; exit 2 for anything the user can fix by calling us differently.
    const code = (err as NodeJS.ErrnoException).code;
    if (code?.startsWith('ERR_PARSE_ARGS') && cmd) {
      console.error(`local-ai-lab: ${parseMessage(err as Error)} (usage: ${usageLine(cmd)})`);
      return 2;
    }
    if (err instanceof UsageError) {
      // A usage error without words of its own is the command's usage.
      const message = err.message || (cmd ? `usage: ${usageLine(cmd)}` : 'bad usage');
      const help = cmd ? `${cmd.path.join(' ')} --help` : group ? `${group} --help` : 'help';
      console.error(`local-ai-lab: ${message} (see "local-ai-lab ${help}")`);
      return 2;
    }
    if (err instanceof ConfigUnreadable) {
      console.error(`local-ai-lab: ${err.message}`);
      return 2;
    }
    const file = (err as NodeJS.ErrnoException).path;
    const why: Record<string, string> = { ENOENT: 'does not exist', EACCES: 'is not readable (permission denied)', EPERM: 'is not permitted', EISDIR: 'is a folder', ENOTDIR: 'has a file where a folder should be', EROFS: 'is on a read-only file system', ENOSPC: 'cannot be written: the disk is full' };
    if (code && why[code]) {
      console.error(`local-ai-lab: ${file ?? 'a file'} ${why[code]}`);
      return 2;
    }
    console.error(`local-ai-lab: ${(err as Error).message.split('\n')[0]}`);
    return 1;
  }
}

/** Every byte the CLI prints passes here: a `user:password@` in a URL (a provider's baseUrl) never reaches a terminal or a log. */
function redactOutput(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const redact = (chunk: unknown) => {
    if (typeof chunk === 'string') return redactCredentials(chunk);
    if (!(chunk instanceof Uint8Array)) return chunk;
    const text = Buffer.from(chunk).toString('utf8');
    const out = redactCredentials(text);
    return out === text ? chunk : out;
  };
  stream.write = ((chunk: unknown, ...rest: unknown[]) => write(redact(chunk), ...rest)) as typeof stream.write;
}

let redacting = false;
/** Once per process, before anything is printed (main may run more than once in a test's process). */
export function redactProcessOutput(): void {
  if (redacting) return;
  redacting = true;
  redactOutput(process.stdout);
  redactOutput(process.stderr);
}
