// A separate process that applies the generic playbook and prints events as JSON lines, so a test
// can kill it mid-apply (SIGKILL: no cleanup runs, the SSH connection just drops).
import { runGeneric, type GenericVars } from './generic.js';
import type { LabHost } from './lab.js';

const [host, varsJson] = process.argv.slice(2);
const vars = JSON.parse(varsJson ?? '{}') as GenericVars;
const result = await runGeneric(host as LabHost, vars, {
  onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
});
process.exitCode = result.exitCode;
