import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

export interface CompactionEvent {
  readonly tokensBefore?: number;
  readonly tokensAfter?: number;
}

/**
 * Compaction events from an `openclaw sessions export-trajectory` events.jsonl: lines of type
 * `session.compaction` carrying the transcript's compaction entry (tokensBefore/tokensAfter), in `data` or
 * at the top level. Unreadable lines are skipped.
 */
export function compactionEvents(eventsJsonl: string): CompactionEvent[] {
  const out: CompactionEvent[] = [];
  for (const line of eventsJsonl.split('\n')) {
    if (!line.trim()) continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (e.type !== 'session.compaction' && e.type !== 'compaction') continue;
    const d = (e.data && typeof e.data === 'object' ? e.data : e) as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    out.push({ tokensBefore: num(d.tokensBefore), tokensAfter: num(d.tokensAfter) });
  }
  return out;
}

/** Exports one session's trajectory into a temporary folder and reads its compaction events (~2 s). */
export function exportCompactions(executable: string, sessionKey: string, env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<CompactionEvent[] | undefined> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-traj-'));
  return new Promise((resolve) => {
    const child = spawn(executable, ['sessions', 'export-trajectory', '--session-key', sessionKey, '--workspace', ws, '--output', 'lab', '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (b) => (stdout += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const finish = (v: CompactionEvent[] | undefined) => {
      clearTimeout(timer);
      fs.rmSync(ws, { recursive: true, force: true });
      resolve(v);
    };
    child.on('error', () => finish(undefined));
    child.on('close', (code) => {
      if (code !== 0) return finish(undefined);
      try {
        const dir = (JSON.parse(stdout) as { outputDir?: string }).outputDir ?? path.join(ws, '.openclaw', 'trajectory-exports', 'lab');
        finish(compactionEvents(fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8')));
      } catch {
        finish(undefined);
      }
    });
  });
}
