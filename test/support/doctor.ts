import fs from 'node:fs';
import path from 'node:path';
import { doctorBlocked, doctorNotes, doctorWriteRefusal, RepairFailed, type RepairResult } from '../../src/core/openclaw/repair.js';
import { deepEqual } from '../../src/core/migrate/repairDiff.js';

/** What scripts/corpus-doctor.mjs stored for one file: OpenClaw's real `doctor --fix` output. */
export interface StoredDoctor {
  repaired: unknown;
  seconds: number;
  doctor: { stdoutTail?: string; stdout?: string; stderrTail?: string; exitCode?: number | null };
  validateAfter: { valid?: boolean };
  unblocked?: { blocked: string[]; input: string; repaired: unknown; seconds: number; doctor: { stdoutTail?: string; stdout?: string }; validateAfter: { valid?: boolean } };
}

export function loadStored(dir: string, name: string): StoredDoctor | undefined {
  const f = path.join(dir, 'doctor', name.replace(/\.json5?$/, '.json'));
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as StoredDoctor) : undefined;
}

/**
 * Stands in for `openclaw doctor --fix` with its stored real output: the first run on the file as it is, and the
 * second run on the copy without the values that blocked it (when doctor wrote nothing the first time).
 */
export function storedRepair(stored: StoredDoctor): (text: string) => Promise<RepairResult> {
  let first = true;
  return async (text) => {
    const stdout = (d: { stdoutTail?: string; stdout?: string }) => d.stdout ?? d.stdoutTail ?? '';
    if (stored.unblocked && deepEqual(JSON.parse(stored.unblocked.input), safeJson(text))) {
      const u = stored.unblocked;
      return { repaired: u.repaired, seconds: u.seconds, notes: doctorNotes(stdout(u.doctor)), blocked: doctorBlocked(stdout(u.doctor)) };
    }
    // The file as it is: doctor's first run. Any other copy (the guards-only one) has no stored run.
    if (!first) throw new RepairFailed('no stored doctor output for this copy');
    first = false;
    // As repairWithDoctor reads it: a write its own guard refused is doctor's answer that it will not write the file.
    const declined = stored.doctor.exitCode ? doctorWriteRefusal(`${stored.doctor.stderrTail ?? ''}\n${stdout(stored.doctor)}`) : undefined;
    return { repaired: stored.repaired, seconds: stored.seconds, notes: doctorNotes(stdout(stored.doctor)), blocked: doctorBlocked(stdout(stored.doctor)), ...(declined ? { declined } : {}) };
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
