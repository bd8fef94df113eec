import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { writeOpenclawWrapper } from './openclaw.js';

/**
 * Runs a real VS Code (code-server 4.139.1, VS Code 1.139.1; or 4.90.3, VS Code 1.90.2, the minimum) on loopback,
 * under the Node that release wants, isolated in `workDir`:
 * its own user data, extensions, XDG dirs and temp dir, started in its own process group so that
 * `stop()` ends the server, its extension host and its file watcher together.
 */
export interface CodeServerTools {
  readonly node24Bin: string;
  readonly codeServerEntry: string;
  /** The Node that runs code-server and so its extension host (Node 20 for 4.90.3); default Node 24's. */
  readonly codeServerNodeBin?: string;
  readonly chromium: string;
  readonly openclawEntry?: string;
}

/** The tools' paths from the environment; the demo needs no browser (`browser: false`), the UI tests do. */
export function toolsFromEnv(opts: { browser?: boolean } = {}): CodeServerTools {
  const need = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set: run through npm run test:e2e / npm run demo, which install the tools`);
    return v;
  };
  return { node24Bin: need('LAL_NODE24_BIN'), codeServerEntry: need('LAL_CODE_SERVER_ENTRY'), codeServerNodeBin: process.env.LAL_CODE_SERVER_NODE_BIN || undefined, chromium: opts.browser === false ? (process.env.LAL_CHROMIUM ?? '') : need('LAL_CHROMIUM'), openclawEntry: process.env.LAL_OPENCLAW_ENTRY };
}

export const SEED_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'git.enabled': false,
  // The demo at 1400×900: an empty secondary side bar took ~290 px, and code-server's port-forward toasts (a lab's
  // loopback servers) appeared in the middle of an apply (#29).
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'remote.autoForwardPorts': false,
};

export interface CodeServerOptions {
  readonly tools: CodeServerTools;
  readonly workDir: string;
  readonly env?: Record<string, string>;
  readonly settings?: Record<string, unknown>;
  /** For mocha in the extension host: lets the workbench read test paths from the URL payload. */
  readonly smokeTestDriver?: boolean;
  readonly port?: number;
  readonly log?: (line: string) => void;
}

export interface RunningCodeServer {
  readonly url: string;
  readonly port: number;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function dirs(workDir: string) {
  const d = {
    userDataDir: path.join(workDir, 'ud'),
    extensionsDir: path.join(workDir, 'ext'),
    xdgConfig: path.join(workDir, 'xc'),
    xdgData: path.join(workDir, 'xd'),
    tmp: path.join(workDir, 't'),
    config: path.join(workDir, 'config.yaml'),
  };
  for (const p of [d.userDataDir, d.extensionsDir, d.xdgConfig, d.xdgData, d.tmp]) fs.mkdirSync(p, { recursive: true });
  fs.writeFileSync(d.config, 'auth: none\n');
  return d;
}

function baseEnv(tools: CodeServerTools, d: ReturnType<typeof dirs>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${tools.node24Bin}${path.delimiter}${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: d.xdgConfig,
    XDG_DATA_HOME: d.xdgData,
    TMPDIR: d.tmp,
    ...extra,
  };
}

const codeServerNode = (tools: CodeServerTools) => path.join(tools.codeServerNodeBin ?? tools.node24Bin, 'node');

function commonArgs(d: ReturnType<typeof dirs>): string[] {
  return ['--config', d.config, '--user-data-dir', d.userDataDir, '--extensions-dir', d.extensionsDir];
}

/** `code-server --install-extension x.vsix` into the isolated extensions dir. */
export function installVsix(tools: CodeServerTools, workDir: string, vsix: string): void {
  const d = dirs(workDir);
  const r = spawnSync(codeServerNode(tools), [tools.codeServerEntry, ...commonArgs(d), '--install-extension', vsix, '--force'], {
    env: baseEnv(tools, d),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`installing ${vsix} failed: ${r.stderr || r.stdout}`);
}

/**
 * Turning on VS Code's smoke-test driver. code-server 4.139.1 passes any VS Code server option through
 * `--vscode-option`; 4.90.3 has no such flag and refuses options it does not list, though it hands every parsed
 * option to VS Code's server, which knows `enable-smoke-test-driver`. For it, a preload adds the option to
 * code-server's list (nothing else changes), and the option is given directly.
 */
function smokeTestDriverArgs(tools: CodeServerTools, tmp: string): { node: string[]; codeServer: string[] } {
  const cli = path.join(path.dirname(tools.codeServerEntry), 'cli.js');
  if (fs.readFileSync(cli, 'utf8').includes('"vscode-option"')) return { node: [], codeServer: ['--vscode-option', 'enable-smoke-test-driver'] };
  const preload = path.join(tmp, 'smoke-test-driver-option.cjs');
  fs.writeFileSync(
    preload,
    `require(${JSON.stringify(cli)}).options['enable-smoke-test-driver'] = { type: 'boolean', description: 'VS Code smoke-test driver (tests)' };\n`,
  );
  return { node: ['--require', preload], codeServer: ['--enable-smoke-test-driver'] };
}

export async function startCodeServer(opts: CodeServerOptions): Promise<RunningCodeServer> {
  const d = dirs(opts.workDir);
  // code-server is a remote window: machine-scoped settings apply from the Machine settings, the rest from User.
  for (const scope of ['User', 'Machine']) {
    const settingsFile = path.join(d.userDataDir, scope, 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ ...SEED_SETTINGS, ...opts.settings }, null, 2));
  }
  const port = opts.port ?? (await freePort());
  const smoke = opts.smokeTestDriver ? smokeTestDriverArgs(opts.tools, d.tmp) : { node: [], codeServer: [] };
  const args = [
    ...smoke.node,
    opts.tools.codeServerEntry,
    ...commonArgs(d),
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    ...smoke.codeServer,
  ];
  const child: ChildProcess = spawn(codeServerNode(opts.tools), args, {
    env: baseEnv(opts.tools, d, opts.env),
    detached: true, // own process group: stop() signals all of it
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = opts.log ?? (() => {});
  child.stdout?.on('data', (b) => log(String(b).trimEnd()));
  child.stderr?.on('data', (b) => log(String(b).trimEnd()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before it answered`);
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      throw new Error('code-server did not answer /healthz within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    userDataDir: d.userDataDir,
    extensionsDir: d.extensionsDir,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      killGroup(child, 'SIGTERM');
      const t = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      killGroup(child, 'SIGKILL'); // stragglers in the group (file watcher)
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/** Chromium flags that keep it off the network here (see reference/real-vscode-testing.md). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** An `openclaw` executable for the sandbox: the real OpenClaw under Node 24. */
export function openclawWrapper(tools: CodeServerTools, dir: string): string | undefined {
  return tools.openclawEntry ? writeOpenclawWrapper(dir, tools.node24Bin, tools.openclawEntry) : undefined;
}
