import type { RestoreReport } from '../core/lab/borrow.js';
import type { ExperimentReporter } from '../core/lab/experiments/driver.js';
import type { LabEnv } from '../core/lab/look.js';
import { configPath } from './options.js';
import { readUserProfiles } from './profile.js';

/** The lab's core workflows as the command line drives them: where they read the world, and how they talk. */

/** The config named on the command line, else where OpenClaw looks for it; none there says to pass --config (as `check` does). */
export function configFrom(configOpt: string | undefined): string {
  return configPath({ config: configOpt });
}

/** What the lab's core workflows read the world from, as this command line gives it. */
export function cliLabEnv(o: { config?: string; openclaw?: string; profiles?: string; 'allow-hosted'?: boolean; 'no-wire'?: boolean }, configOpt = o.config): LabEnv {
  return {
    configPath: configFrom(configOpt),
    openclaw: o.openclaw ?? 'openclaw',
    lmStudioToken: process.env.LM_API_TOKEN,
    allowHosted: !!o['allow-hosted'],
    wire: !o['no-wire'],
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
