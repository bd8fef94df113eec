import v8 from 'node:v8';
import vm from 'node:vm';
import type { RestoreReport } from '../core/lab/borrow.js';
import type { ExperimentReporter } from '../core/lab/experiments/driver.js';
import type { LabEnv } from '../core/lab/look.js';
import { configPath } from './args.js';
import { ProxyConfigError, readProxiesFile, type ProxyDecl } from '../core/lab/layer/proxy.js';
import { UsageError } from './usage.js';
import { readUserProfiles } from './profile.js';
import { sampleMsOption } from './args.js';

/** The lab's core workflows as the command line drives them: where they read the world, and how they talk. */

/**
 * A full collection the runner can ask for before a session's first clock (core/lab/dispatch/runner.ts), set up
 * when a lab command runs, so no other command pays for the extra context: V8's gc reached without a command-line
 * flag, through a context made after the flag is set.
 */
function offerFullCollection(): void {
  try {
    if ((globalThis as { gc?: unknown }).gc) return;
    v8.setFlagsFromString('--expose-gc');
    (globalThis as { gc?: unknown }).gc = vm.runInNewContext('gc');
  } catch {
    // Without it the first dispatch may carry a collection.
  }
}

/** The config named on the command line, else where OpenClaw looks for it; none there says to pass --config (as `check` does). */
export function configFrom(configOpt: string | undefined): string {
  return configPath({ config: configOpt });
}

/** What the lab's core workflows read the world from, as this command line gives it. */
export function cliLabEnv(o: { config?: string; openclaw?: string; profiles?: string; 'allow-hosted'?: boolean; 'no-wire'?: boolean; 'sample-ms'?: string; 'wire-bodies'?: boolean; proxies?: string }, configOpt = o.config): LabEnv {
  offerFullCollection();
  let proxies: ProxyDecl[] = [];
  try {
    proxies = o.proxies ? readProxiesFile(o.proxies) : [];
  } catch (err) {
    if (err instanceof ProxyConfigError) throw new UsageError(`--proxies ${err.message}`);
    throw err;
  }
  return {
    configPath: configFrom(configOpt),
    openclaw: o.openclaw ?? 'openclaw',
    lmStudioToken: process.env.LM_API_TOKEN,
    allowHosted: !!o['allow-hosted'],
    wire: !o['no-wire'],
    sampleMs: sampleMsOption(o['sample-ms']),
    wireBodies: !!o['wire-bodies'],
    proxies,
    // The user's own profiles count here as they do for `profile apply` and in the editor.
    userProfiles: (lmProvider) => readUserProfiles(o.profiles, lmProvider).profiles,
  };
}

/** What the driver says as it applies and restores, on stderr (stdout stays the JSON). */
export function cliReporter(json: boolean, prefix = ''): ExperimentReporter {
  return { step: (m) => !json && console.error(`${prefix}${m}`) };
}

/** The closing line about the borrowed state (the lab or a probe: `what`). */
export function restoreLine(name: string, restore: RestoreReport | undefined, what = 'the lab'): string | undefined {
  if (!restore) return undefined;
  return restore.ok ? `profile ${name}: the state from before ${what} is back${restore.configRestored ? ' (openclaw.json restored)' : ''}` : `profile ${name}: not restored: ${restore.error}`;
}
