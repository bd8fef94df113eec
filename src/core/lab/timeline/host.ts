import fs from 'node:fs';
import os from 'node:os';
import { loadExeca } from '../../execa.js';

/**
 * What this machine says about itself and about the process behind a port: the sampler's view of memory and of
 * the model server's process. Linux reads /proc (no child process per sample); macOS asks `vm_stat`, `lsof` and
 * `ps` (argv, never a shell string). Every reader returns null rather than throw: a sample it cannot take is a
 * gap the timeline shows, not a failed lab.
 */

export interface MemoryFacts {
  readonly totalBytes: number;
  readonly availableBytes: number;
}

/** `/proc/meminfo`'s MemAvailable (what can be had without swapping), not MemFree. */
export function parseMeminfo(text: string): MemoryFacts | null {
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  return total !== undefined && available !== undefined ? { totalBytes: total, availableBytes: available } : null;
}

/**
 * macOS `vm_stat`: available = free + inactive + speculative + purgeable pages (what Activity Monitor counts as
 * not under pressure); the page size is in its first line.
 */
export function parseVmStat(text: string, totalBytes: number): MemoryFacts | null {
  const page = Number(/page size of (\d+) bytes/.exec(text)?.[1]);
  if (!Number.isFinite(page) || page <= 0) return null;
  const pages = (label: string) => Number(new RegExp(`^Pages ${label}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const available = (pages('free') + pages('inactive') + pages('speculative') + pages('purgeable')) * page;
  return { totalBytes, availableBytes: Math.min(available, totalBytes) };
}

export async function machineMemory(): Promise<MemoryFacts | null> {
  try {
    if (process.platform === 'linux') return parseMeminfo(await fs.promises.readFile('/proc/meminfo', 'utf8'));
    if (process.platform === 'darwin') {
      const r = await (await loadExeca())('vm_stat', [], { timeout: 2000, reject: false });
      return r.exitCode === 0 ? parseVmStat(r.stdout, os.totalmem()) : null;
    }
  } catch {
    return null;
  }
  return { totalBytes: os.totalmem(), availableBytes: os.freemem() };
}

/** A listening TCP socket's inode from /proc/net/tcp{,6}: state 0A is LISTEN; local_address is HEXIP:HEXPORT. */
export function listeningInode(tables: readonly string[], port: number): string | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      if (f[1]!.split(':')[1]?.toUpperCase() === hexPort) return f[9]!;
    }
  }
  return null;
}

/** Utime + stime in clock ticks from /proc/<pid>/stat (fields 14 and 15, counted after the parenthesised name). */
export function parseStatTicks(text: string): number | null {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

export function parseVmRss(text: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** Linux's USER_HZ: 100 on every architecture Node ships for (sysconf is not reachable from Node). */
const TICKS_PER_SECOND = 100;

export interface ProcessFacts {
  readonly pid: number | null;
  /** What identifies the listening socket: a restart opens a new one even when the pid stays. */
  readonly socket: string | null;
  readonly rssBytes: number | null;
  /** Percent of one core since the previous sample of the same process; null on the first. */
  readonly cpuPct: number | null;
}

/** Follows the process that listens on one port across samples (a restart shows as another pid or socket). */
export class PortWatcher {
  private last: { socket: string; pid: number | null; ticks: number | null; at: number } | undefined;
  constructor(readonly port: number) {}

  async sample(now = Date.now()): Promise<ProcessFacts> {
    try {
      if (process.platform === 'linux') return await this.linux(now);
      if (process.platform === 'darwin') return await this.darwin();
    } catch {
      /* below */
    }
    return { pid: null, socket: null, rssBytes: null, cpuPct: null };
  }

  private async linux(now: number): Promise<ProcessFacts> {
    const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => fs.promises.readFile(f, 'utf8').catch(() => '')));
    const socket = listeningInode(tables, this.port);
    if (!socket) {
      this.last = undefined;
      return { pid: null, socket: null, rssBytes: null, cpuPct: null };
    }
    // The pid is searched for only when the socket is new: a scan of /proc/*/fd is the one costly step.
    const pid = this.last?.socket === socket ? this.last.pid : await pidOfSocket(socket);
    let rss: number | null = null;
    let ticks: number | null = null;
    if (pid !== null) {
      const [status, stat] = await Promise.all([fs.promises.readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''), fs.promises.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')]);
      rss = parseVmRss(status);
      ticks = stat ? parseStatTicks(stat) : null;
    }
    const prev = this.last?.socket === socket && this.last.pid === pid ? this.last : undefined;
    const cpuPct = prev && prev.ticks !== null && ticks !== null && now > prev.at ? Math.round(((ticks - prev.ticks) / TICKS_PER_SECOND / ((now - prev.at) / 1000)) * 1000) / 10 : null;
    this.last = { socket, pid, ticks, at: now };
    return { pid, socket, rssBytes: rss, cpuPct };
  }

  private async darwin(): Promise<ProcessFacts> {
    const execa = await loadExeca();
    const l = await execa('lsof', ['-nP', `-iTCP:${this.port}`, '-sTCP:LISTEN', '-t'], { timeout: 2000, reject: false });
    const pid = Number(l.stdout.split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return { pid: null, socket: null, rssBytes: null, cpuPct: null };
    const p = await execa('ps', ['-o', 'rss=,%cpu=', '-p', String(pid)], { timeout: 2000, reject: false });
    const [rssKb, cpu] = p.stdout.trim().split(/\s+/).map(Number);
    return { pid, socket: null, rssBytes: Number.isFinite(rssKb) ? rssKb! * 1024 : null, cpuPct: Number.isFinite(cpu) ? cpu! : null };
  }
}

async function pidOfSocket(inode: string): Promise<number | null> {
  const target = `socket:[${inode}]`;
  const pids = (await fs.promises.readdir('/proc')).filter((n) => /^\d+$/.test(n));
  // Our own process first: a server in this process (tests, an in-process stand-in) is found without a scan.
  pids.sort((a, b) => (a === String(process.pid) ? -1 : b === String(process.pid) ? 1 : 0));
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await fs.promises.readdir(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        if ((await fs.promises.readlink(`/proc/${pid}/fd/${fd}`)) === target) return Number(pid);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

/** A server on this machine: a loopback host or one of this machine's own addresses. Others have no process here. */
export function isOnThisMachine(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return true;
  return Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address === host));
}

export function portOf(url: string): number | null {
  try {
    const u = new URL(url);
    return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  } catch {
    return null;
  }
}
