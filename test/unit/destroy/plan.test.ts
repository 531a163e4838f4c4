import { expect } from 'chai';
import {
  FORGET_STEP_ID,
  planDestroy,
  unsafePathReason,
  withoutStep,
  type DestroyOptions,
  type UndoStep,
} from '../../../src/engine/destroy-plan.js';
import { emptyRecord, type HostRecord } from '../../../src/engine/record.js';
import type { UndoRecord } from '../../../src/steps/types.js';

const conf: UndoRecord = {
  kind: 'remove_file',
  resource: 'file:/etc/keepalived/keepalived.conf',
  path: '/etc/keepalived/keepalived.conf',
};
const sysctlConf: UndoRecord = {
  kind: 'restore_file',
  resource: 'file:/etc/sysctl.conf',
  path: '/etc/sysctl.conf',
};
const prefix: UndoRecord = {
  kind: 'remove_tree',
  resource: 'tree:/usr/local/keepalived',
  path: '/usr/local/keepalived',
};
const confFolder: UndoRecord = {
  kind: 'remove_dir',
  resource: 'dir:/etc/keepalived',
  path: '/etc/keepalived',
};
const stop: UndoRecord = {
  kind: 'shell',
  resource: 'service:keepalived:running',
  description: 'stop keepalived',
  script: 'service keepalived stop',
};
const packages: UndoRecord = {
  kind: 'remove_packages',
  resource: 'packages:gcc,make',
  manager: 'apt',
  packages: ['gcc', 'make'],
};

function record(undo: UndoRecord[], files: Record<string, string> = {}): HostRecord {
  return { ...emptyRecord(), undo, files };
}

/** A step as `kind id`, the shape the table compares. */
function outline(steps: UndoStep[]): string[] {
  return steps.map((step) => `${step.kind} ${step.id}`);
}

describe('planDestroy', () => {
  const keepPackages: DestroyOptions = { removePackages: false };
  const cases: { title: string; record: HostRecord; options?: DestroyOptions; expected: string[] }[] = [
    {
      title: 'an empty record: only the record itself goes',
      record: record([]),
      expected: [`forget ${FORGET_STEP_ID}`],
    },
    {
      title: 'entries newest first, then the record',
      record: record([packages, prefix, sysctlConf, conf, stop]),
      expected: [
        'undo service:keepalived:running',
        'undo file:/etc/keepalived/keepalived.conf',
        'undo file:/etc/sysctl.conf',
        'undo tree:/usr/local/keepalived',
        'keep packages:gcc,make',
        `forget ${FORGET_STEP_ID}`,
      ],
    },
    {
      title: 'a folder a write created goes after the file in it',
      record: record([confFolder, conf]),
      expected: [
        'undo file:/etc/keepalived/keepalived.conf',
        'undo dir:/etc/keepalived',
        `forget ${FORGET_STEP_ID}`,
      ],
    },
    {
      title: 'packages are removed only when asked',
      record: record([packages]),
      options: { removePackages: true },
      expected: ['undo packages:gcc,make', `forget ${FORGET_STEP_ID}`],
    },
    {
      title: 'an unsafe path is refused, the rest is planned',
      record: record([{ kind: 'remove_tree', resource: 'tree:/usr', path: '/usr' }, conf]),
      expected: ['undo file:/etc/keepalived/keepalived.conf', 'refuse tree:/usr', `forget ${FORGET_STEP_ID}`],
    },
  ];
  for (const { title, record: given, options, expected } of cases) {
    it(title, () => {
      expect(outline(planDestroy(given, options ?? keepPackages))).to.deep.equal(expected);
    });
  }

  it('carries the hash lbprov wrote, for files only, so a hand edit is noticed', () => {
    const steps = planDestroy(
      record([conf, sysctlConf, prefix], {
        '/etc/keepalived/keepalived.conf': 'a'.repeat(64),
        '/usr/local/keepalived': 'b'.repeat(64),
      }),
      keepPackages,
    );
    const shas = Object.fromEntries(
      steps.map((step) => [step.id, step.kind === 'undo' ? (step.writtenSha ?? null) : null]),
    );
    expect(shas).to.deep.equal({
      'tree:/usr/local/keepalived': null,
      'file:/etc/sysctl.conf': null,
      'file:/etc/keepalived/keepalived.conf': 'a'.repeat(64),
      [FORGET_STEP_ID]: null,
    });
  });

  it('names each step after what it does, and says why packages are kept', () => {
    const steps = planDestroy(record([packages, prefix, sysctlConf, confFolder, conf, stop]), keepPackages);
    expect(steps.map((step) => step.name)).to.deep.equal([
      'Stop keepalived',
      'Remove /etc/keepalived/keepalived.conf',
      'Remove folder /etc/keepalived',
      'Restore /etc/sysctl.conf',
      'Remove /usr/local/keepalived',
      'Remove packages gcc make',
      "Remove lbprov's record and lock files",
    ]);
    const kept = steps.find((step) => step.kind === 'keep');
    expect(kept && kept.kind === 'keep' ? kept.reason : '').to.include('--remove-packages');
  });
});

describe('withoutStep', () => {
  it('drops the entry and the hash of the file it undid, nothing else', () => {
    const before = record([sysctlConf, conf], {
      '/etc/sysctl.conf': '1'.repeat(64),
      '/etc/keepalived/keepalived.conf': '2'.repeat(64),
    });
    const [first] = planDestroy(before, { removePackages: false });
    const after = withoutStep(before, first!);
    expect(after.undo).to.deep.equal([sysctlConf]);
    expect(after.files).to.deep.equal({ '/etc/sysctl.conf': '1'.repeat(64) });
    expect(before.undo).to.have.length(2);
  });
});

describe('unsafePathReason', () => {
  const table: [string, boolean][] = [
    ['/etc/keepalived/keepalived.conf', true],
    ['/sbin/ipvsadm', true],
    ['/usr/local/src/lbprov', true],
    ['/', false],
    ['/usr', false],
    ['usr/local', false],
    ['/usr/local/../..', false],
    ['/usr//local', false],
    ['/usr/local/', false],
    ['/usr/./local', false],
    ['/etc/a\nb', false],
  ];
  for (const [path, safe] of table) {
    it(`${JSON.stringify(path)} is ${safe ? 'safe' : 'refused'}`, () => {
      expect(unsafePathReason(path) === undefined).to.equal(safe);
    });
  }
});
