/** npm run schemas: writes schemas/*.json from the zod validators (a unit test checks they are current). */
import fs from 'node:fs';
import { workloadJsonSchema } from '../../src/core/lab/workloadSchema.js';

fs.writeFileSync('schemas/workload.schema.json', JSON.stringify(workloadJsonSchema(), null, 2) + '\n');
console.log('wrote schemas/workload.schema.json');
