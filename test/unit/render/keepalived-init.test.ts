import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  renderKeepalivedDefaults,
  renderKeepalivedInitScript,
  renderKeepalivedUnit,
} from '../../../src/render/keepalived-init.js';
import { tempDir } from '../../support/temp-dir.js';
import { expectGolden } from './golden.js';
import { run, shSyntaxErrors, writeExecutable } from './shell-run.js';

describe('renderKeepalivedInitScript', () => {
  const script = renderKeepalivedInitScript({
    prefix: '/usr/local/keepalived',
    pidFile: '/var/run/keepalived.pid',
    defaultsPath: '/etc/default/keepalived',
  });

  it('matches the golden file', () => expectGolden('keepalived.init.sh', script));

  it('parses as POSIX sh and never touches /etc/rc.d/init.d/functions (defect 2)', () => {
    expect(shSyntaxErrors(writeExecutable('keepalived', script))).to.equal('');
    expect(script).not.to.include('init.d/functions');
  });

  /**
   * Runs the rendered script against a stand-in daemon: a shell script named keepalived that
   * forks a child which writes the pid file (as keepalived's parent does) and, when told to,
   * dies a moment later (as keepalived 2.x does on a kernel without IPVS).
   */
  describe('with a stand-in keepalived', function () {
    this.timeout(30_000);

    function setUp(childBehaviour: 'stay' | 'die-soon') {
      const prefix = tempDir('lbprov-prefix-');
      const pidFile = join(prefix, 'keepalived.pid');
      const defaultsPath = join(prefix, 'defaults');
      writeFileSync(defaultsPath, 'KEEPALIVED_OPTIONS="-D"\n');
      const daemon = `#!/bin/sh
if [ "$1" = child ]; then
    echo $$ > "$2"
    trap 'rm -f "$2"; exit 0' TERM
    ${childBehaviour === 'stay' ? 'while :; do sleep 1; done' : 'sleep 1.5; rm -f "$2"; exit 1'}
fi
while [ $# -gt 0 ]; do
    [ "$1" = -p ] && pidfile=$2
    shift
done
sh "$0" child "$pidfile" </dev/null >/dev/null 2>&1 &
exit 0
`;
      run('mkdir', ['-p', join(prefix, 'sbin')]);
      writeFileSync(join(prefix, 'sbin', 'keepalived'), daemon, { mode: 0o755 });
      const init = writeExecutable(
        'keepalived',
        renderKeepalivedInitScript({ prefix, pidFile, defaultsPath }),
      );
      return (action: string) => run('sh', [init, action]);
    }

    it('start waits for the process, is a no-op when running; stop waits until it is gone', () => {
      const service = setUp('stay');
      expect(service('status').status).to.equal(3);
      const started = service('start');
      expect(started.status, started.stderr).to.equal(0);
      expect(started.stdout).to.match(/^keepalived started \(pid \d+\)$/m);
      expect(service('status').status).to.equal(0);
      expect(service('start').stdout).to.match(/already running/);
      expect(service('reload').status).to.equal(0);
      const stopped = service('stop');
      expect(stopped.status, stopped.stderr).to.equal(0);
      expect(service('status').status).to.equal(3);
      expect(service('stop').status).to.equal(0);
      expect(service('reload').status).to.equal(7);
    });

    it('start fails when the daemon dies right after starting, although its launcher exited 0', () => {
      const service = setUp('die-soon');
      const started = service('start');
      expect(started.status).to.equal(1);
      expect(started.stderr).to.match(/exited right after starting/);
      expect(service('status').status).to.equal(3);
    });

    it('start fails with LSB code 5 when the binary is missing', () => {
      const init = writeExecutable(
        'keepalived',
        renderKeepalivedInitScript({
          prefix: '/nonexistent',
          pidFile: '/nonexistent/k.pid',
          defaultsPath: '/nonexistent/d',
        }),
      );
      expect(run('sh', [init, 'start']).status).to.equal(5);
    });
  });
});

describe('renderKeepalivedUnit', () => {
  it('matches the golden file', () =>
    expectGolden(
      'keepalived.service',
      renderKeepalivedUnit('/usr/local/keepalived', '/etc/default/keepalived'),
    ));
});

describe('renderKeepalivedDefaults', () => {
  it('matches the golden file in normal mode', () =>
    expectGolden('keepalived.defaults', renderKeepalivedDefaults({ vrrpOnlyWithoutIpvs: false })));

  it('matches the golden file when VRRP-only is allowed', () =>
    expectGolden('keepalived-vrrp-only.defaults', renderKeepalivedDefaults({ vrrpOnlyWithoutIpvs: true })));

  for (const vrrpOnlyWithoutIpvs of [false, true]) {
    it(`sets the same variables for sh and systemd alike (vrrpOnlyWithoutIpvs: ${vrrpOnlyWithoutIpvs})`, () => {
      const path = writeExecutable('defaults', renderKeepalivedDefaults({ vrrpOnlyWithoutIpvs }));
      const result = run('sh', [
        '-c',
        `. ${path}; printf '%s|%s' "$KEEPALIVED_OPTIONS" "$LBPROV_VRRP_ONLY_WITHOUT_IPVS"`,
      ]);
      expect(result.stdout).to.equal(
        vrrpOnlyWithoutIpvs ? '-D --dont-release-ipvs|yes' : '-D --dont-release-ipvs|',
      );
    });
  }
});
