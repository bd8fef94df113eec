import path from 'node:path';

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
