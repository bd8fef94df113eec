import type { Observation } from '../observation.js';
import { readProfileState } from './backups.js';
import { detectProfile, type Detection } from './detect.js';
import { resolveAll } from './resolve.js';
import type { ProfileDef } from './types.js';

/** Which profile holds for this observation (the last applied one, unless it drifted), and the observation with it. */
export function withProfileInForce(obs: Observation, configPath: string, user: readonly ProfileDef[]): { obs: Observation; detection: Detection } {
  const { targets } = resolveAll(obs, user);
  const detection = detectProfile(targets, obs, readProfileState(configPath)?.profile);
  const inForce = detection.target && !detection.drift ? { name: detection.name, compactor: detection.target.compactor !== undefined } : undefined;
  return { obs: inForce ? { ...obs, profileInForce: inForce } : obs, detection };
}
