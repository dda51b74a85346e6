import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../shared/local/function-hosts.js';
import { terraformTopology } from '../shared/chain/topology.js';

/** Writes infra/topology.auto.tfvars.json from shared/chain/topology.ts. */
const file = path.join(packageRoot(), 'infra', 'topology.auto.tfvars.json');
await writeFile(file, `${JSON.stringify(terraformTopology(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
