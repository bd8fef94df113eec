import * as z from 'zod/mini';
import { WorkloadSchema } from './workload.js';

/** The workload files' JSON schema (contributed for completion), generated from the validator itself. */
export function workloadJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(WorkloadSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return { ...schema, title: 'Local AI Lab workload', description: 'What a lab session runs, n times: .local-ai-lab/workloads/<name>.json' };
}
