import path from 'node:path';
import os from 'node:os';
import { sha256 } from '../fsutil.js';

export type ConfigSource = 'setting' | 'OPENCLAW_CONFIG_PATH' | 'OPENCLAW_STATE_DIR' | 'home' | 'legacy' | 'default';

export interface LocatedConfig {
  readonly path: string;
  readonly source: ConfigSource;
  /** False when no candidate exists: `path` is then where OpenClaw would create it. */
  readonly exists: boolean;
  /** Every place looked at, in order (for the "not found" message). */
  readonly searched: readonly string[];
}

export interface LocateInput {
  readonly settingPath?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  readonly exists: (file: string) => boolean;
}

export function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(home, p.slice(2));
  return p;
}

/** OpenClaw's own order (src/config/paths.ts), with our machine-scoped setting first. */
export function locateConfig(input: LocateInput): LocatedConfig {
  const env = input.env;
  const home = env.OPENCLAW_HOME || input.homedir;
  const searched: string[] = [];
  const setting = input.settingPath?.trim();
  if (setting) {
    const p = path.resolve(expandHome(setting, home));
    return { path: p, source: 'setting', exists: input.exists(p), searched: [p] };
  }
  if (env.OPENCLAW_CONFIG_PATH) {
    const p = path.resolve(expandHome(env.OPENCLAW_CONFIG_PATH, home));
    return { path: p, source: 'OPENCLAW_CONFIG_PATH', exists: input.exists(p), searched: [p] };
  }
  const candidates: { p: string; source: ConfigSource }[] = [];
  const stateDir = env.OPENCLAW_STATE_DIR ? path.resolve(expandHome(env.OPENCLAW_STATE_DIR, home)) : undefined;
  if (stateDir) {
    candidates.push({ p: path.join(stateDir, 'openclaw.json'), source: 'OPENCLAW_STATE_DIR' });
    candidates.push({ p: path.join(stateDir, 'clawdbot.json'), source: 'legacy' });
  }
  candidates.push({ p: path.join(home, '.openclaw', 'openclaw.json'), source: 'home' });
  candidates.push({ p: path.join(home, '.openclaw', 'clawdbot.json'), source: 'legacy' });
  candidates.push({ p: path.join(home, '.clawdbot', 'openclaw.json'), source: 'legacy' });
  candidates.push({ p: path.join(home, '.clawdbot', 'clawdbot.json'), source: 'legacy' });
  for (const c of candidates) {
    searched.push(c.p);
    if (input.exists(c.p)) return { path: c.p, source: c.source, exists: true, searched };
  }
  const fallback = path.join(stateDir ?? path.join(home, '.openclaw'), 'openclaw.json');
  return { path: fallback, source: 'default', exists: false, searched };
}

/**
 * The state folder for an OpenClaw we run against `configPath` (the lab's dispatches, the probes). OpenClaw keeps
 * its state (agents, sessions, a default workspace) in OPENCLAW_STATE_DIR, else `~/.openclaw`, whatever config it
 * reads: run against a copy elsewhere, it wrote into the user's OpenClaw home. So unless that config is the one in
 * the home (or the user chose a state folder), it gets a private folder of its own, one per config, outside
 * OpenClaw's home: `$XDG_STATE_HOME/local-ai-lab/openclaw-state/<hash of the config's path>`.
 */
export function stateEnvFor(configPath: string, env: Readonly<Record<string, string | undefined>> = process.env, homedir = os.homedir()): { OPENCLAW_STATE_DIR?: string } {
  if (env.OPENCLAW_STATE_DIR) return {};
  const home = env.OPENCLAW_HOME || homedir;
  const file = path.resolve(expandHome(configPath, home));
  if (path.dirname(file) === path.join(home, '.openclaw')) return {};
  const stateHome = env.XDG_STATE_HOME || path.join(homedir, '.local', 'state');
  return { OPENCLAW_STATE_DIR: path.join(stateHome, 'local-ai-lab', 'openclaw-state', sha256(file).slice(0, 12)) };
}
