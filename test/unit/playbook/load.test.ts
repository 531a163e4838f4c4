import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { checkStep, factsFor } from '../../../src/engine/plan.js';
import type { HostFacts } from '../../../src/facts/host.js';
import { loadInventory } from '../../../src/inventory/index.js';
import {
  loadPlaybook,
  parsePlaybook,
  playbookPath,
  PlaybookError,
  type Playbook,
} from '../../../src/playbook/load.js';
import { buildJobs, type ProcedureJob } from '../../../src/procedure/jobs.js';
import { DEBIAN, RHEL } from '../steps/support.js';

const BASE = `
role: director
description: a test playbook
steps:
  - id: source-folder
    name: Source folder
    module: command
    args: { description: create /src, run: mkdir -p /src, creates: /src }
    notify: [restart-it]
  - id: conf
    name: Configuration
    module: file
    args: { path: /etc/it.conf, content: "x" }
    depends_on: [source-folder]
handlers:
  - id: restart-it
    name: Restart it
    module: service
    args: { name: it, process: it, state: restarted }
`;

describe('playbook: parsePlaybook', () => {
  it('a valid playbook: defaults filled in', () => {
    const playbook = parsePlaybook(BASE, 'test.yaml');
    expect(playbook.steps.map((step) => step.id)).to.deep.equal(['source-folder', 'conf']);
    expect(playbook.steps[1]).to.deep.include({ when: [], notify: [], depends_on: ['source-folder'] });
    expect(playbook.handlers.map((handler) => handler.id)).to.deep.equal(['restart-it']);
  });

  const rows: { name: string; edit: [string, string]; says: string }[] = [
    {
      name: 'a step id used twice',
      edit: ['id: conf', 'id: source-folder'],
      says: 'step id source-folder is used twice',
    },
    {
      name: 'a handler with a step id',
      edit: ['id: restart-it', 'id: conf'],
      says: 'step id conf is used twice',
    },
    {
      name: 'an unknown module',
      edit: ['module: file', 'module: template'],
      says: 'steps.1.module: unknown module',
    },
    {
      name: 'an unknown handler',
      edit: ['notify: [restart-it]', 'notify: [reload-it]'],
      says: 'step source-folder notifies unknown handler reload-it',
    },
    {
      name: 'a handler satisfying an unknown handler (a restart makes a reload unnecessary)',
      edit: [
        'args: { name: it, process: it, state: restarted }',
        'args: { name: it, process: it, state: restarted }\n    satisfies: [reload-it]',
      ],
      says: 'step restart-it satisfies unknown handler reload-it',
    },
    {
      name: 'a step notifying a step, not a handler',
      edit: ['notify: [restart-it]', 'notify: [conf]'],
      says: 'notifies unknown handler conf',
    },
    {
      name: 'an unknown depends_on',
      edit: ['depends_on: [source-folder]', 'depends_on: [source]'],
      says: 'step conf depends on source, which is not an earlier step',
    },
    {
      name: 'an id with capitals',
      edit: ['id: conf', 'id: Conf'],
      says: 'steps.1.id: step ids are lower-case words',
    },
    { name: 'a misspelt key', edit: ['depends_on:', 'depend_on:'], says: 'depend_on' },
    { name: 'an unknown role', edit: ['role: director', 'role: balancer'], says: 'role' },
    { name: 'a step without a name', edit: ['    name: Configuration\n', ''], says: 'steps.1.name' },
    {
      name: 'no steps',
      edit: [BASE.slice(BASE.indexOf('steps:'), BASE.indexOf('handlers:')), 'steps: []\n'],
      says: 'steps',
    },
  ];
  for (const row of rows) {
    it(`${row.name}: PlaybookError naming the file`, () => {
      const text = BASE.replace(row.edit[0], row.edit[1]);
      expect(text, 'the edit applies').not.to.equal(BASE);
      expect(() => parsePlaybook(text, 'test.yaml'))
        .to.throw(PlaybookError, row.says)
        .with.property('message')
        .that.matches(/^test\.yaml: /);
    });
  }
});

const hostKinds: { name: string; facts: HostFacts }[] = [
  { name: 'Debian, systemd', facts: DEBIAN },
  { name: 'Debian, SysV', facts: { ...DEBIAN, init: 'sysv' } },
  { name: 'Red Hat, systemd', facts: RHEL },
  { name: 'Red Hat, SysV (network-scripts)', facts: { ...RHEL, init: 'sysv', packageManager: 'yum' } },
  { name: 'another family, SysV', facts: { ...DEBIAN, osId: 'unknown', osFamily: 'other', init: 'sysv' } },
];

describe('playbook: the shipped playbooks', () => {
  let playbooks: { director: Playbook; realServer: Playbook };
  before(async () => {
    playbooks = {
      director: await loadPlaybook(playbookPath('director')),
      realServer: await loadPlaybook(playbookPath('real_server')),
    };
  });

  it('are the files under playbooks/', () => {
    expect(playbookPath('director')).to.equal(
      fileURLToPath(new URL('../../../playbooks/director.yaml', import.meta.url)),
    );
    expect(playbookPath('real_server')).to.match(/playbooks\/real-server\.yaml$/);
  });

  it('depends_on names only earlier steps (a dry-run reports may_change from what came before)', () => {
    for (const playbook of [playbooks.director, playbooks.realServer]) {
      const seen = new Set<string>();
      for (const step of playbook.steps) {
        for (const dependency of step.depends_on) {
          expect(seen.has(dependency), `${playbook.role}: ${step.id} depends on ${dependency}`).to.equal(
            true,
          );
        }
        seen.add(step.id);
      }
    }
  });

  for (const inventoryFile of ['inventory/seed.yaml', 'inventory/lab.yaml']) {
    describe(`prepared for ${inventoryFile}`, () => {
      let jobs: ProcedureJob[];
      before(async () => {
        const file = fileURLToPath(new URL(`../../../${inventoryFile}`, import.meta.url));
        const loaded = await loadInventory(file, { LBPROV_AUTH_PASS: 'lbpass1', HOME: '/home/op' });
        expect(loaded.errors).to.deep.equal([]);
        if (!loaded.inventory) throw new Error('no inventory');
        // buildJobs fills every step's arguments and has its module validate them (it throws otherwise).
        jobs = buildJobs(loaded.inventory, playbooks, { authPass: 'lbpass1' });
      });

      it('one job per host, real servers first, every step and handler prepared', () => {
        expect(jobs.map((job) => job.role)).to.deep.equal([
          'real server',
          'real server',
          'director (MASTER)',
          'director (BACKUP)',
        ]);
        for (const job of jobs) {
          const playbook = job.role === 'real server' ? playbooks.realServer : playbooks.director;
          expect(job.steps.map((step) => step.id)).to.deep.equal(playbook.steps.map((step) => step.id));
          expect(job.handlers.map((step) => step.id)).to.deep.equal(playbook.handlers.map((step) => step.id));
        }
      });

      it('no placeholder is left in names, reasons or arguments', () => {
        for (const job of jobs) {
          for (const step of [...job.steps, ...job.handlers]) {
            expect(
              JSON.stringify([step.name, step.skipReason, step.args]),
              `${job.name} ${step.id}`,
            ).not.to.match(/\{\{/);
          }
        }
      });

      it('every step declares its facts (the probe can be built)', () => {
        for (const job of jobs) expect(() => factsFor([...job.steps, ...job.handlers])).not.to.throw();
      });

      it('the VRRP password reaches only the keepalived.conf step', () => {
        for (const job of jobs) {
          for (const step of [...job.steps, ...job.handlers]) {
            const carries = JSON.stringify(step.args).includes('lbpass1');
            expect(carries, `${job.name} ${step.id}`).to.equal(step.id === 'keepalived-conf');
          }
        }
      });

      for (const kind of hostKinds) {
        it(`${kind.name}: every when: condition can be read, and exactly one way to start keepalived applies`, () => {
          for (const job of jobs) {
            const applies = new Set<string>();
            for (const step of job.steps) {
              if (step.when.length === 0) continue;
              // A skipped step never reads facts: only the conditions run here.
              const result = checkStep(
                { ...step, module: NO_CHECK },
                new Map(),
                { name: job.name, facts: kind.facts, fetched: {} },
                job.vars,
              );
              if (result.status !== 'skip') applies.add(step.id);
              else expect(result.reason, `${step.id} says why it is skipped`).not.to.match(/does not hold/);
            }
            if (job.role === 'real server') continue;
            const starters = [
              'keepalived-init-script',
              'keepalived-init-script-rhel',
              'keepalived-unit',
              'keepalived-unit-rhel',
            ];
            expect(
              starters.filter((id) => applies.has(id)),
              job.name,
            ).to.have.length(1);
            const defaults = ['keepalived-defaults-debian', 'keepalived-defaults-rhel'];
            expect(
              defaults.filter((id) => applies.has(id)),
              job.name,
            ).to.have.length(1);
            expect(applies.has('vip-alias-file')).to.equal(kind.facts.networkScripts);
          }
        });
      }
    });
  }
});

/** Stands in for a module when only a step's `when:` is under test. */
const NO_CHECK = {
  name: 'no-check',
  parseArgs: (raw: unknown) => raw,
  facts: () => [],
  check: () => ({ status: 'ok', reason: 'applies' }) as const,
};
