/**
 * The `local-ai-lab` executable (dist/cli.js). It turns on Node's module compile cache when the running Node has it
 * (22.1+; on Node 20 there is none and nothing is said), then loads the CLI (dist/cli/main.mjs), whose commands load
 * their own code only when they run (see scripts/build.mjs).
 */
import module from 'node:module';
import path from 'node:path';
import { cacheDir } from '../core/cacheDir.js';

try {
  (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache?.(path.join(cacheDir(), 'node-compile-cache'));
} catch {
  // A cache that cannot be made only costs speed.
}

// A variable, so the build leaves the import to Node: the CLI proper is an ES module bundle with chunks.
const entry = './cli/main.mjs';
(import(entry) as Promise<typeof import('./main.js')>)
  .then(({ main, redactProcessOutput }) => {
    redactProcessOutput();
    return main(process.argv.slice(2));
  })
  .then((code) => process.exit(code));
