import os from 'node:os';
import path from 'node:path';

/**
 * Local AI Lab's cache folder, one for the editor, the CLI and the development scripts (scripts/tools.mjs):
 * `$LOCAL_AI_LAB_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/local-ai-lab`. Only the process environment names it,
 * never a setting, so a workspace cannot redirect what is read back from it.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LOCAL_AI_LAB_CACHE) return path.resolve(env.LOCAL_AI_LAB_CACHE);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'local-ai-lab');
}
