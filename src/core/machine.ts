import os from 'node:os';
import type { MachineFacts } from './observation.js';

export function machineFacts(): MachineFacts {
  return { totalMemoryBytes: os.totalmem(), cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}` };
}

const GiB = 1024 ** 3;
/** darkmux's rough KV estimate: 0.5 GB per 32K of loaded context. */
export function kvEstimateBytes(contextLength: number): number {
  return 0.5 * GiB * (contextLength / 32768);
}
