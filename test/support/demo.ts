/**
 * npm run demo: the test sandbox kept running with the packaged extension installed in a real VS Code
 * (code-server) on loopback. Prints the URL to open; Ctrl-C stops all of it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installVsix, openclawWrapper, startCodeServer, toolsFromEnv } from './codeServer.js';
import { createSandbox } from './sandbox.js';

async function main(): Promise<void> {
  const tools = toolsFromEnv();
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
  console.log(`
Local AI Lab demo is running.

  Open:            ${url}
  Config:          ${sandbox.configPath}
  Scripted server: ${sandbox.server.url} (LM Studio REST shapes; model loaded at 32,768)

The Problems panel shows the planted findings (View → Problems). Ctrl-C stops everything.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await server.stop();
    await sandbox.close();
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

main().catch((err) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(1);
});
