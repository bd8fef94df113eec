import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { parseDocument, toValue } from './document.js';
import { formatVersion, type OpenClawVersion } from './version.js';
import { sha256 } from '../fsutil.js';
import { keep, keptDir, readKept } from '../kept.js';
import { millis, type Millis } from '../units.js';
import { processAlive } from '../fsutil.js';

/**
 * Runs the installed OpenClaw's own repair (`doctor --fix --non-interactive`) on a private copy of a config,
 * in a private HOME and state folder, and returns the repaired value tree. OpenClaw decides what a migration
 * changes; we only decide how it is written (see migrate/repairDiff.ts). Nothing here touches the user's
 * config, state or services: the copy, its HOME and everything doctor writes beside it are deleted afterwards.
 */
export interface RepairResult {
  /** The repaired config as OpenClaw wrote it, parsed. */
  readonly repaired: unknown;
  readonly seconds: number;
  /** Doctor's own sentences about what it changed ("Moved gateway.nodes.denyCommands → gateway.nodes.commands.deny."). */
  readonly notes: readonly string[];
  /**
   * Paths whose values made doctor write nothing ("No config changes were written. Fix the value(s) above by
   * hand"); empty when it wrote its repair.
   */
  readonly blocked: readonly string[];
  /**
   * Doctor worked out its repair but its own write refused it ("Config write would reorder or modify an array
   * containing environment references."): `repaired` is the copy as it was, and this is doctor's sentence.
   */
  readonly declined?: string;
}

/** The sentence OpenClaw's config write says when it refuses to write at all (its write guards, not a crash). */
export function doctorWriteRefusal(output: string): string | undefined {
  return /^(Config write would [^\n]*)$/m.exec(output)?.[1]?.trim();
}

/** The paths doctor lists in the box that ends "No config changes were written". */
export function doctorBlocked(stdout: string): string[] {
  const at = stdout.indexOf('No config changes were written');
  if (at < 0) return [];
  const boxStart = stdout.lastIndexOf('◇', at);
  return [...stdout.slice(boxStart, at).matchAll(/^│\s+-\s+([^\s:][^:\s]*):\s/gmu)].map((m) => m[1]!);
}

/**
 * The sentences inside doctor's "Doctor changes" and "Legacy config keys detected" boxes, unwrapped. They are
 * OpenClaw's own explanation of each change, so a migration can quote them instead of writing its own.
 */
export function doctorNotes(stdout: string): string[] {
  const notes: string[] = [];
  let box: string[] | undefined;
  const flush = () => {
    if (!box) return;
    const text = box.join(' ').replace(/\s+/g, ' ').trim();
    for (const item of text.split(/\s+-\s+(?=[\w.[\]:]*:\s)|^-\s+/)) {
      for (const sentence of item.split(/(?<=\.)\s+(?=[A-Z])/)) {
        const s = sentence.replace(/\s*Run "openclaw doctor --fix"\.?$/, '').trim();
        if (s) notes.push(s);
      }
    }
    box = undefined;
  };
  for (const line of stdout.split(/\r?\n/)) {
    if (/^◇\s+(Doctor changes|Legacy config keys detected)/u.test(line)) {
      flush();
      box = [];
    } else if (box && /^├|^└/u.test(line)) flush();
    else if (box) box.push(line.replace(/^│/u, '').replace(/│\s*$/u, '').trim());
  }
  flush();
  return notes;
}

export class RepairFailed extends Error {}

export interface RepairOptions {
  readonly timeoutMs?: Millis;
  readonly signal?: AbortSignal;
  /** Called with a short line as doctor reports its steps (for a progress notification). */
  readonly onProgress?: (line: string) => void;
  /** Extra environment for the OpenClaw process (its PATH, for a wrapper script). */
  readonly env?: Record<string, string | undefined>;
  /**
   * The installed release, when the caller knows it: doctor's repair of the same text by the same release (in its
   * private, otherwise fixed environment) is then kept and read back instead of run again. `dir`: where (tests).
   */
  readonly keep?: { readonly version: OpenClawVersion; readonly dir?: string };
}

/** Doctor prints this when it is done; it may then linger on background work, which we do not wait for. */
const DONE = 'Doctor complete.';
/**
 * Doctor's last line when it ran to its end but wrote no config fix (a value it cannot repair, or only warnings):
 * it exits 1, yet it finished — like "No config changes were written", not a failed repair.
 */
const FINISHED_UNAPPLIED = 'Doctor finished, but config fixes were not applied';
const finished = (stdout: string) => stdout.includes(DONE) || stdout.includes(FINISHED_UNAPPLIED);
const LINGER_MS = 3000;
export const REPAIR_TIMEOUT_MS = millis(180_000);

/** Processes whose environment carries this private HOME: doctor re-spawns itself in new process groups. */
function leftovers(home: string): number[] {
  if (process.platform !== 'linux') return [];
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(`HOME=${home}`)) pids.push(Number(d));
    } catch {
      /* gone, or not ours */
    }
  }
  return pids;
}

function killAll(pid: number | undefined, home: string): void {
  for (const p of [...(pid ? [-pid] : []), ...leftovers(home)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Private folders in the temp folder, named with the pid of the process that made them (`local-ai-lab-repair-<pid>-…`). */
const PRIVATE_HOME = /^local-ai-lab-(repair|validate)-(\d+)-/;

/** A private folder for doctor or the validator, named for this process so a later run can tell it is stale. */
export function privateTemp(kind: 'repair' | 'validate'): string {
  sweepStaleHomes();
  return fs.mkdtempSync(path.join(os.tmpdir(), `local-ai-lab-${kind}-${process.pid}-`));
}

/**
 * What a migrate killed outright (SIGKILL, a closed machine) left: a private home with a full copy of the config
 * and doctor's .bak, and doctor itself still running in its own process group. Both go, once their process is gone.
 */
export function sweepStaleHomes(): void {
  let names: string[];
  try {
    names = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const m = PRIVATE_HOME.exec(name);
    if (!m || processAlive(Number(m[2]))) continue;
    const home = path.join(os.tmpdir(), name);
    try {
      if (fs.lstatSync(home).uid !== process.getuid?.()) continue;
      killAll(undefined, home);
      fs.rmSync(home, { recursive: true, force: true });
    } catch {
      // Best effort: a folder we cannot remove is no reason to refuse the user's command.
    }
  }
}

/** The environment doctor runs in: the caller's PATH (to find Node), a private HOME, and nothing that reaches out. */
export function privateEnv(home: string, cfg: string, extra: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const state = path.dirname(cfg);
  const env: NodeJS.ProcessEnv = {
    PATH: extra?.PATH ?? process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    OPENCLAW_HOME: home,
    OPENCLAW_STATE_DIR: state,
    OPENCLAW_CONFIG_PATH: cfg,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    TMPDIR: os.tmpdir(),
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    CI: '1',
    OPENCLAW_OFFLINE: '1',
    OPENCLAW_NO_AUTO_UPDATE: '1',
    OPENCLAW_DISABLE_BONJOUR: '1',
    // Doctor may try to install plugins a config names: fail at once instead of reaching a registry.
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
  };
  for (const [k, v] of Object.entries(extra ?? {})) if (k !== 'PATH' && v !== undefined) env[k] = v;
  return env;
}

const KeptRepair = z.object({ repaired: z.unknown(), seconds: z.number(), notes: z.array(z.string()), blocked: z.array(z.string()), declined: z.optional(z.string()) });

/**
 * `openclaw doctor --fix --non-interactive` on a private copy of `text`; the repaired tree, or RepairFailed. With
 * `keep`, a repair of the same text by the same release is read back (it took `seconds` when it ran); only a
 * repair that completed is kept.
 */
export async function repairWithDoctor(executable: string, text: string, opts: RepairOptions = {}): Promise<RepairResult> {
  if (!opts.keep) return runDoctor(executable, text, opts);
  const extra = Object.entries(opts.env ?? {}).filter(([k, v]) => k !== 'PATH' && v !== undefined).sort(([a], [b]) => a.localeCompare(b));
  const key = sha256(['doctor-v2', executable, formatVersion(opts.keep.version), sha256(text), JSON.stringify(extra)].join('\n'));
  const dir = opts.keep.dir ?? keptDir('doctor');
  const kept = readKept(dir, key, KeptRepair);
  if (kept) {
    opts.onProgress?.('openclaw doctor repaired these same bytes before: its repair is read back');
    return kept;
  }
  const r = await runDoctor(executable, text, opts);
  keep(dir, key, r);
  return r;
}

async function runDoctor(executable: string, text: string, opts: RepairOptions): Promise<RepairResult> {
  const home = privateTemp('repair');
  const state = path.join(home, '.openclaw');
  const cfg = path.join(state, 'openclaw.json');
  const t0 = Date.now();
  try {
    fs.mkdirSync(state, { mode: 0o700 });
    fs.writeFileSync(cfg, text, { mode: 0o600 });
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string; why?: string; killedBy?: string }>((resolve) => {
      let stdout = '';
      let stderr = '';
      let settled = false;
      let linger: NodeJS.Timeout | undefined;
      let child: ReturnType<typeof spawn>;
      let killedBy: string | undefined;
      const finish = (code: number | null, why?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(linger);
        opts.signal?.removeEventListener('abort', onAbort);
        killAll(child?.pid, home);
        resolve({ code, stdout, stderr, why, ...(killedBy ? { killedBy } : {}) });
      };
      const onAbort = () => finish(null, 'cancelled');
      const timer = setTimeout(() => finish(null, `did not finish within ${Math.round((opts.timeoutMs ?? REPAIR_TIMEOUT_MS) / 1000)} s`), opts.timeoutMs ?? REPAIR_TIMEOUT_MS);
      if (opts.signal?.aborted) return finish(null, 'cancelled');
      opts.signal?.addEventListener('abort', onAbort);
      try {
        child = spawn(executable, ['doctor', '--fix', '--non-interactive'], { cwd: home, env: privateEnv(home, cfg, opts.env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        return finish(null, `could not run ${executable}: ${(err as Error).message}`);
      }
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        for (const line of d.split('\n')) {
          const step = line.replace(/^[\s│◇◆└┌├─]+/u, '').trim();
          if (step && step.length < 120 && !/^[─╮╯│]+$/u.test(step)) opts.onProgress?.(step);
        }
        // Its first config write is the repair (the config flow's migrations, committed before any health check);
        // what it writes after is about the private copy's environment (skills whose binaries the copy lacks, the
        // wizard's timestamp), so it is not waited for: ~40 % of a doctor run. A refusal is an answer too.
        if (/Updated config: [^\n]*\n/.test(stdout) || (/No config changes were written.*\n/.test(stdout) && doctorBlocked(stdout).length)) return finish(0);
        if (!linger && finished(stdout)) linger = setTimeout(() => finish(0), LINGER_MS);
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', (err) => finish(null, `could not run ${executable}: ${err.message}`));
      // Its output may still be in the pipes at exit; a child it left behind may hold them open, so wait briefly.
      let ended = 0;
      let exitCode: number | null | undefined;
      const onEnd = () => ++ended === 2 && exitCode !== undefined && finish(exitCode);
      child.stdout!.on('end', onEnd);
      child.stderr!.on('end', onEnd);
      child.on('exit', (code, sig) => {
        exitCode = code;
        if (sig) killedBy = sig;
        if (ended === 2) finish(code);
        else setTimeout(() => finish(code), 500);
      });
    });
    if (out.why) throw new RepairFailed(`openclaw doctor ${out.why}`);
    // "No config changes were written" with the values it stopped at is an answer (it exits 1 then), not a failure:
    // the caller runs it again without them (migrate/unblock.ts). So is "finished, but config fixes were not applied".
    // Its write refused the repair (a guard of OpenClaw's own, e.g. for ${VAR}s in a list): an answer — doctor will
    // not write this file —, not a failed run; the caller goes on with its own fixes.
    const declined = out.code !== 0 ? doctorWriteRefusal(`${out.stderr}\n${out.stdout}`) : undefined;
    if (declined) return { repaired: toValue(parseDocument(cfg, text).root), seconds: (Date.now() - t0) / 1000, notes: [], blocked: [], declined };
    if (!finished(out.stdout) && out.code !== 0 && !doctorBlocked(out.stdout).length) {
      const tail = (out.stderr.trim() || out.stdout.trim()).split('\n').slice(-1)[0] ?? '';
      // A signal is said as one: "exited with null" said nothing.
      const how = out.code === null ? `was killed by ${out.killedBy ?? 'a signal'}` : `exited with ${out.code}`;
      throw new RepairFailed(`openclaw doctor ${how}${tail ? `: ${tail.slice(0, 200)}` : ''}`);
    }
    let repairedText: string;
    try {
      repairedText = fs.readFileSync(cfg, 'utf8');
    } catch {
      throw new RepairFailed('openclaw doctor left no config behind');
    }
    const doc = parseDocument(cfg, repairedText);
    if (doc.error) throw new RepairFailed(`openclaw doctor wrote a config that does not parse: ${doc.error.message}`);
    return { repaired: toValue(doc.root), seconds: (Date.now() - t0) / 1000, notes: doctorNotes(out.stdout), blocked: doctorBlocked(out.stdout) };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
