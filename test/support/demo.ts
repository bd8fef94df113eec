/**
 * npm run demo: the test sandbox kept running with the packaged extension installed in a real VS Code
 * (code-server) on loopback. Prints the URL to open and what to try; Ctrl-C stops all of it and deletes the
 * sandbox, unless `--keep` was given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installVsix, openclawWrapper, startCodeServer, toolsFromEnv } from './codeServer.js';
import { createSandbox } from './sandbox.js';

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const tools = toolsFromEnv({ browser: false });
  const vsix = path.resolve('dist', 'local-ai-lab.vsix');
  const sandbox = await createSandbox();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lal-demo-'));
  installVsix(tools, work, vsix);
  const openclaw = openclawWrapper(tools, sandbox.root);
  const port = Number(process.env.LAL_DEMO_PORT ?? 0) || undefined;
  const server = await startCodeServer({
    tools,
    workDir: work,
    env: sandbox.env,
    port,
    settings: openclaw ? { 'localAiLab.openclaw.executable': openclaw } : {},
  });
  const url = `${server.url}/?folder=${encodeURIComponent(sandbox.workspace)}`;
  console.log(demoBanner({ url, configPath: sandbox.configPath, serverUrl: sandbox.server.url, keep, openclaw: Boolean(openclaw), dirs: [sandbox.root, work] }));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await server.stop();
    await sandbox.close();
    if (keep) {
      console.log(`kept: ${sandbox.root} (the sandbox home, config and lab sessions) and ${work} (code-server's data)`);
      process.exit(0);
    }
    for (const dir of [work, sandbox.root]) {
      try {
        fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      } catch (err) {
        console.error(`could not remove ${dir}: ${(err as Error).message}`);
      }
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // Bounded: a forgotten demo stops itself after LAL_DEMO_HOURS (default 8).
  setTimeout(() => void stop(), Number(process.env.LAL_DEMO_HOURS ?? 8) * 3600_000).unref();
  await new Promise(() => {});
}

/** What the demo prints: where to go, each face to try, and what Ctrl-C does. */
export function demoBanner(o: { url: string; configPath: string; serverUrl: string; keep: boolean; openclaw: boolean; dirs: string[] }): string {
  return `
Local AI Lab demo is running. Open this in your browser:

  ${o.url}

What to try (a walkthrough, Get Started with Local AI Lab, opens on the first visit):
  Problems panel          View → Problems: the planted findings in openclaw.json, which is not even open;
                          click one, then Ctrl+. for its quick fix.
  Status bar profile      the flask "custom" at the bottom left: click it, pick mid-range, read the diff, Apply.
  Make Config Valid       F1 → Local AI Lab: Make Config Valid for Installed OpenClaw${o.openclaw ? '' : ' (needs OpenClaw: not installed here)'}.
  Run Lab ×6              F1 → Local AI Lab: Run Lab ×6 → quick-check: six dispatches, then the Lab panel.
  Lab view                the flask in the activity bar: your lab sessions and the profiles.

  Config:          ${o.configPath}
  Scripted server: ${o.serverUrl} (LM Studio REST shapes; model loaded at 32,768)

Ctrl-C stops everything and ${o.keep ? `keeps the sandbox (${o.dirs.join(', ')}).` : 'deletes the sandbox (run npm run demo -- --keep to keep it).'}
`;
}

main().catch((err) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(1);
});
