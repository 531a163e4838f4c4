import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../../src/inventory/index.js';
import { shippedPlaybooks, writeCompiledPlaybooks } from '../../../src/playbook/compiled.js';
import { loadPlaybook, playbookPath, type Playbook } from '../../../src/playbook/load.js';
import { buildJobs, jobOrder } from '../../../src/procedure/jobs.js';
import { tempDir } from '../../support/temp-dir.js';

/** What a run would read without the build's JSON: playbooks/*.yaml, parsed and checked. */
async function fromYaml(): Promise<{ director: Playbook; realServer: Playbook }> {
  return {
    director: await loadPlaybook(playbookPath('director')),
    realServer: await loadPlaybook(playbookPath('real_server')),
  };
}

describe('playbook: the playbooks compiled at build time', () => {
  let scratch: string;
  let compiled: string;
  before(async () => {
    scratch = tempDir('lbprov-compiled-');
    compiled = join(scratch, 'playbooks.json');
    await writeCompiledPlaybooks(compiled);
  });

  /** The build's JSON with `edit` applied to its director playbook; the digest stays the build's. */
  function edited(edit: (director: Playbook) => void): string {
    const json = JSON.parse(readFileSync(compiled, 'utf8')) as { director: Playbook };
    edit(json.director);
    const file = join(scratch, `edited-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(json));
    return file;
  }

  it('agree with playbooks/*.yaml, field for field', async () => {
    expect(await shippedPlaybooks(compiled)).to.deep.equal(await fromYaml());
  });

  it('are what a run reads while the YAML is the one they were compiled from', async () => {
    const file = edited((director) => (director.steps[0]!.name = 'read from the JSON'));
    expect((await shippedPlaybooks(file)).director.steps[0]!.name).to.equal('read from the JSON');
  });

  it('give way to the YAML when it changed after the build', async () => {
    const file = edited((director) => (director.steps[0]!.name = 'stale'));
    const json = JSON.parse(readFileSync(file, 'utf8')) as { digest: string };
    writeFileSync(file, JSON.stringify({ ...json, digest: 'the digest of an older playbook' }));
    expect(await shippedPlaybooks(file)).to.deep.equal(await fromYaml());
  });

  it('are not needed: without the JSON (a run from source), the YAML is parsed and checked', async () => {
    expect(await shippedPlaybooks(join(scratch, 'absent.json'))).to.deep.equal(await fromYaml());
  });
});

describe('procedure: the hosts a run contacts first', () => {
  it('are the jobs, in their order, with and without --limit (connections started early follow it)', async () => {
    const file = fileURLToPath(new URL('../../../inventory/seed.yaml', import.meta.url));
    const { inventory } = await loadInventory(file, { LBPROV_AUTH_PASS: 'lbpass1', HOME: '/home/op' });
    if (!inventory) throw new Error('the seed inventory does not load');
    const playbooks = await fromYaml();
    const lb2 = inventory.directors[1]!;
    const rs1 = inventory.real_servers[0]!;
    for (const limit of [undefined, new Set([lb2.name, rs1.host])]) {
      const jobs = buildJobs(inventory, playbooks, { authPass: 'lbpass1' }, limit);
      expect(jobOrder(inventory, limit).map((entry) => entry.name)).to.deep.equal(
        jobs.map((job) => job.name),
      );
    }
  });
});
