import { expect } from 'chai';
import { buildsCommand, decideBuilds } from '../../../src/verify/builds.js';
import type { Evidence } from '../../../src/engine/events.js';

const KEEPALIVED = '/usr/local/keepalived/sbin/keepalived';
const IPVSADM = '/sbin/ipvsadm';
const BUILT = 'c'.repeat(64);

/** What the builds command prints: sha256sum's lines, the marker, the record's section as lbprov writes it. */
function printed(sums: string, builds: Record<string, unknown> | undefined): Evidence {
  const section = builds
    ? JSON.stringify({ format: 1, builds, pending_handlers: [] }, null, 2)
        .split('\n')
        .filter((line, index, lines) => {
          const start = lines.findIndex((l) => l.startsWith('  "builds"'));
          const end = lines.findIndex((l, i) => i > start && /^ {2}\}/.test(l));
          return index >= start && index <= end;
        })
        .join('\n')
    : '';
  return {
    host: 'lb1',
    command: buildsCommand([KEEPALIVED, IPVSADM]),
    output: `${sums}lbprov-recorded-builds\n${section}\n`,
    exit_code: 0,
  };
}

const keepalivedBuild = { [KEEPALIVED]: { subject: 'keepalived 1.2.0', sha256: BUILT, built_on: 'lb2' } };

describe('verify: the programs lbprov built are still its builds', () => {
  it('the same checksum as recorded: pass, naming where it was compiled', () => {
    const [check, ...more] = decideBuilds('lb1', printed(`${BUILT}  ${KEEPALIVED}\n`, keepalivedBuild));
    expect(more).to.deep.equal([]);
    expect(check).to.deep.include({ check: 'build-checksum', verdict: 'pass', host: 'lb1' });
    expect(check?.detail).to.include('compiled on lb2');
  });

  it('a different checksum: fail, the binary was replaced, and how to get lbprov’s build back', () => {
    const [check] = decideBuilds('lb1', printed(`${'d'.repeat(64)}  ${KEEPALIVED}\n`, keepalivedBuild));
    expect(check?.verdict).to.equal('fail');
    expect(check?.detail).to.match(/was replaced since lbprov installed it/);
    expect(check?.hint).to.include(`remove ${KEEPALIVED}`);
  });

  it('the program is gone: fail', () => {
    const gone = `sha256sum: ${KEEPALIVED}: No such file or directory\n`;
    const [check] = decideBuilds('lb1', printed(gone, keepalivedBuild));
    expect(check?.verdict).to.equal('fail');
    expect(check?.detail).to.include('is gone');
  });

  it('a recorded program the inventory no longer builds there: not provable, never a pass', () => {
    const elsewhere = { '/opt/keepalived/sbin/keepalived': keepalivedBuild[KEEPALIVED] };
    const [check] = decideBuilds('lb1', printed(`${BUILT}  ${KEEPALIVED}\n`, elsewhere));
    expect(check?.verdict).to.equal('not_provable');
  });

  it('nothing recorded (lbprov found the programs installed): no check', () => {
    expect(decideBuilds('lb1', printed(`${BUILT}  ${KEEPALIVED}\n`, undefined))).to.deep.equal([]);
  });

  it('each recorded program is judged on its own', () => {
    const both = {
      ...keepalivedBuild,
      [IPVSADM]: { subject: 'ipvsadm 1.26', sha256: BUILT, built_on: 'lb1' },
    };
    const checks = decideBuilds(
      'lb1',
      printed(`${BUILT}  ${KEEPALIVED}\n${'e'.repeat(64)}  ${IPVSADM}\n`, both),
    );
    expect(checks.map((check) => check.verdict)).to.deep.equal(['pass', 'fail']);
  });
});
