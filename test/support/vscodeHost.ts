/**
 * A drop-in "VS Code executable" for @vscode/test-electron: desktop VS Code cannot be had here, so this
 * runs the tests inside code-server's real Node extension host instead. It takes the arguments test
 * runners pass, starts code-server with the smoke-test driver (which lets the workbench read the test
 * paths from the URL payload), opens the workbench in headless Chromium, relays the extension host's
 * console, and exits with the code the test runner reported. It always tears everything down.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, startCodeServer, toolsFromEnv } from './codeServer.js';

const NOISE = [/vsda/, /ENOTFOUND/, /authentication provider 'github'/, /open-vsx|openvsx/i, /Failed to load resource/, /^(Resolving|Resolved) connection token/, /^Creating a socket/, /^\[(reconnection-grace-time|Service Worker|AgentHost|AccountPolicyGate)\]/, /^Updating additional builtin extensions cache/];

async function main(argv: string[]): Promise<number> {
  const devPaths: string[] = [];
  let testsPath: string | undefined;
  let folder: string | undefined;
  for (const a of argv) {
    const [k, v] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (k === '--extensionDevelopmentPath' && v) devPaths.push(path.resolve(v));
    else if (k === '--extensionTestsPath' && v) testsPath = path.resolve(v);
    else if (!a.startsWith('-')) folder = path.resolve(a);
  }
  if (!testsPath) {
    console.error('vscodeHost: --extensionTestsPath is required');
    return 2;
  }
  const tools = toolsFromEnv();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-h-'));
  const settings = process.env.LAL_HOST_SETTINGS ? (JSON.parse(process.env.LAL_HOST_SETTINGS) as Record<string, unknown>) : {};
  const server = await startCodeServer({ tools, workDir, settings, smokeTestDriver: true, log: (l) => process.env.LAL_HOST_VERBOSE && console.error(`[code-server] ${l}`) });
  const browserDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-b-'));
  const browser = await chromium.launchPersistentContext(browserDir, { executablePath: tools.chromium, headless: true, viewport: { width: 1400, height: 900 }, args: CHROMIUM_ARGS });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      if (!NOISE.some((n) => n.test(line))) console.log(line);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [
      ...devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
      ['extensionTestsPath', remote(testsPath)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    const where = folder ? `folder=${encodeURIComponent(folder)}` : 'ew=true';
    await page.goto(`${server.url}/?${where}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const timeoutMs = Number(process.env.LAL_HOST_TIMEOUT_MS ?? 300_000);
    // Without the smoke-test driver nothing fails, the tests simply never run: always bound the wait.
    const timeout = new Promise<number>((r) => setTimeout(() => {
      console.error(`vscodeHost: no result within ${timeoutMs / 1000} s`);
      r(1);
    }, timeoutMs).unref());
    return await Promise.race([exited, timeout]);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    // Children of the extension host (an OpenClaw validator) may still be writing here for a moment:
    // retry, and never let cleanup decide the run's result.
    for (const dir of [workDir, browserDir]) {
      try {
        fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      } catch (err) {
        console.error(`vscodeHost: could not remove ${dir}: ${(err as Error).message}`);
      }
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`vscodeHost: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
