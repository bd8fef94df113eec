import type { Observation } from '../observation.js';
import { detectProfile, type Detection } from './detect.js';
import { resolveAll, type ResolvedProfiles } from './resolve.js';
import type { ProfileDef, ProfileTarget } from './types.js';

export interface ProfilesInForce {
  /** The observation, marked with the profile in force when there is one. */
  readonly obs: Observation;
  readonly detection: Detection;
  readonly targets: ProfileTarget[];
  readonly problems: ResolvedProfiles['problems'];
}

/**
 * Which profile holds for this observation (the last applied one, unless it drifted), and the observation with it.
 * Pure: the caller reads `lastApplied` (profile.json beside the config) once, not on every keystroke.
 */
export function withProfileInForce(obs: Observation, user: readonly ProfileDef[], lastApplied: string | undefined): ProfilesInForce {
  const { targets, problems } = resolveAll(obs, user);
  const detection = detectProfile(targets, obs, lastApplied);
  const inForce = detection.target && !detection.drift ? { name: detection.name, compactor: detection.target.compactor !== undefined } : undefined;
  return { obs: inForce ? { ...obs, profileInForce: inForce } : obs, detection, targets, problems };
}
