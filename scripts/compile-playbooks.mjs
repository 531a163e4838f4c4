// The last step of `npm run build`: the playbooks parsed and checked once, for every run to read
// (src/playbook/compiled.ts says why). A broken playbook fails the build.
import { writeCompiledPlaybooks } from '../dist/playbook/compiled.js';

await writeCompiledPlaybooks();
