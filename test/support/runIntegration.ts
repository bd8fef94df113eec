/**
 * Runs the mocha suite in test/integration inside a real VS Code extension host (code-server), against
 * a fresh sandbox, through @vscode/test-electron with the vscodeHost wrapper as its "VS Code".
 * Usage: node out/test/support/runIntegration.js [--expect-failure]
 */
import fs from 'node:fs';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { openclawWrapper, toolsFromEnv } from './codeServer.js';
import { createSandbox } from './sandbox.js';

async function main(): Promise<number> {
  const expectFailure = process.argv.includes('--expect-failure');
  const root = path.resolve(__dirname, '../../..');
  const tools = toolsFromEnv();
  const sandbox = await createSandbox();
  const openclaw = openclawWrapper(tools, sandbox.root);
  const host = path.join(root, 'out/test/support/vscodeHost.js');
  fs.chmodSync(host, 0o755);
  const settings = {
    'localAiLab.runtimes.refreshSeconds': 0,
    ...(openclaw ? { 'localAiLab.openclaw.executable': openclaw } : {}),
  };
  try {
    await runTests({
      vscodeExecutablePath: host,
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out/test/integration/index.js'),
      launchArgs: [sandbox.workspace],
      extensionTestsEnv: {
        ...sandbox.env,
        LAL_SANDBOX_CONFIG: sandbox.configPath,
        LAL_HOST_SETTINGS: JSON.stringify(settings),
        LAL_OPENCLAW_AVAILABLE: openclaw ? '1' : '',
        ...(expectFailure ? { LAL_PROVE_FAILURE: '1' } : {}),
      },
    });
    if (expectFailure) {
      console.error('integration: the deliberately failing test passed: the harness cannot fail');
      return 1;
    }
    return 0;
  } catch (err) {
    if (expectFailure) {
      console.log('integration: a failing assertion inside the extension host failed the run, as it must');
      return 0;
    }
    console.error(`integration: ${(err as Error).message}`);
    return 1;
  } finally {
    await sandbox.close();
  }
}

main().then((c) => process.exit(c));
