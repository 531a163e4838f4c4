import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceState } from '../../../src/facts/system.js';
import { serviceModule } from '../../../src/steps/service.js';
import type { Change } from '../../../src/steps/types.js';
import { runFact } from '../facts/run-probe.js';
import { describeCases, service, shellScripts, type StepCase } from './support.js';

const keepalived = { name: 'keepalived', process: 'keepalived' };
const SYSV = { init: 'sysv' } as const;

/** The undo of a start: stop through the init system, then wait until the running test fails. */
function stopUndo(init: 'systemd' | 'sysv', name: string, running: string) {
  const verb =
    init === 'systemd'
      ? `systemctl daemon-reload; systemctl stop '${name}'`
      : `if command -v service >/dev/null; then service '${name}' stop; else /etc/init.d/${name} stop; fi`;
  return {
    kind: 'shell' as const,
    resource: `service:${name}:running`,
    description: `stop ${name}`,
    script: [
      `${verb} || true`,
      `i=0; while ( ${running} ); do i=$((i+1)); if [ $i -ge 50 ]; then echo '${name} still runs 10s after stop' >&2; exit 1; fi; sleep 0.2; done`,
    ].join('\n'),
  };
}
const PIDOF = "pidof 'keepalived' >/dev/null";
const disableSystemd = {
  kind: 'shell' as const,
  resource: 'service:keepalived:enabled',
  description: 'disable keepalived at boot',
  script: "systemctl disable 'keepalived' || true",
};

const scriptsInclude =
  (...fragments: string[]) =>
  (change: Change) => {
    const all = shellScripts(change).join('\n---\n');
    for (const fragment of fragments) expect(all).to.include(fragment);
  };

const cases: StepCase[] = [
  // started
  {
    name: 'started, running: ok',
    args: { ...keepalived, state: 'started' },
    facts: [service(true)],
    expect: { status: 'ok', reason: 'keepalived is running' },
  },
  {
    name: 'started, not running (systemd): start through systemctl, proven by the process; undo stops it',
    args: keepalived,
    facts: [service(false)],
    expect: {
      status: 'change',
      description: 'keepalived: start',
      actions: ['shell'],
      undo: [stopUndo('systemd', 'keepalived', PIDOF)],
      more: scriptsInclude(
        "systemctl daemon-reload; systemctl start 'keepalived' || true",
        "while ! ( pidof 'keepalived' >/dev/null ); do",
        'if [ $i -ge 75 ]',
        'started, then exited at once',
      ),
    },
  },
  {
    name: 'started, not running (SysV): start through service or the init script',
    args: keepalived,
    facts: [service(false)],
    host: SYSV,
    expect: {
      status: 'change',
      description: 'keepalived: start',
      actions: ['shell'],
      undo: [stopUndo('sysv', 'keepalived', PIDOF)],
      more(change) {
        scriptsInclude(
          "if command -v service >/dev/null; then service 'keepalived' start; else /etc/init.d/keepalived start; fi || true",
        )(change);
        expect(shellScripts(change).join('\n')).not.to.include('systemctl');
      },
    },
  },
  // stopped
  {
    name: 'stopped, running: stop; no undo (lbprov does not restart what it was told to stop)',
    args: { ...keepalived, state: 'stopped' },
    facts: [service(true)],
    expect: {
      status: 'change',
      description: 'keepalived: stop',
      actions: ['shell'],
      undo: [],
      more: scriptsInclude("systemctl stop 'keepalived'", "while ( pidof 'keepalived' >/dev/null )"),
    },
  },
  {
    name: 'stopped, not running: ok',
    args: { ...keepalived, state: 'stopped' },
    facts: [service(false)],
    expect: { status: 'ok', reason: 'keepalived is stopped' },
  },
  // reloaded (a handler)
  {
    name: 'reloaded, running: reload, then check it survived; no undo',
    args: { ...keepalived, state: 'reloaded' },
    facts: [service(true, true)],
    expect: {
      status: 'change',
      description: 'keepalived: reload',
      actions: ['shell'],
      undo: [],
      more: scriptsInclude("systemctl daemon-reload; systemctl reload 'keepalived'", 'exited after reload'),
    },
  },
  {
    name: 'reloaded, not running: started instead',
    args: { ...keepalived, state: 'reloaded' },
    facts: [service(false, true)],
    expect: {
      status: 'change',
      description: 'keepalived: start (it was not running)',
      actions: ['shell'],
      undo: [],
      more: scriptsInclude("systemctl start 'keepalived'"),
    },
  },
  {
    name: 'reloaded on SysV: service reload',
    args: { ...keepalived, state: 'reloaded' },
    facts: [service(true)],
    host: SYSV,
    expect: {
      status: 'change',
      description: 'reload',
      actions: ['shell'],
      undo: [],
      more: scriptsInclude("service 'keepalived' reload; else /etc/init.d/keepalived reload; fi"),
    },
  },
  // restarted (a handler)
  {
    name: 'restarted, running: restart, proven by the process',
    args: { ...keepalived, state: 'restarted' },
    facts: [service(true, true)],
    expect: {
      status: 'change',
      description: 'keepalived: restart',
      actions: ['shell'],
      undo: [],
      more: scriptsInclude(
        "systemctl daemon-reload; systemctl restart 'keepalived' || true",
        'after restart',
      ),
    },
  },
  {
    name: 'restarted, not running: started instead',
    args: { ...keepalived, state: 'restarted' },
    facts: [service(false, true)],
    expect: {
      status: 'change',
      description: 'keepalived: start (it was not running)',
      actions: ['shell'],
      undo: [],
      more: (change) => expect(shellScripts(change).join('\n')).not.to.include('restart'),
    },
  },
  // enabled
  {
    name: 'enabled wanted, running but not enabled (systemd): enable; undo disables',
    args: { ...keepalived, enabled: true },
    facts: [service(true, false)],
    expect: {
      status: 'change',
      description: 'keepalived: enable at boot',
      actions: ['shell'],
      undo: [disableSystemd],
      more: (change) =>
        expect(shellScripts(change)).to.deep.equal([
          "systemctl daemon-reload && systemctl enable 'keepalived'",
        ]),
    },
  },
  {
    name: 'enabled wanted on SysV: update-rc.d or chkconfig; undo removes the links',
    args: { ...keepalived, enabled: true },
    facts: [service(true, false)],
    host: SYSV,
    expect: {
      status: 'change',
      description: 'enable at boot',
      actions: ['shell'],
      undo: [
        {
          kind: 'shell',
          resource: 'service:keepalived:enabled',
          description: 'disable keepalived at boot',
          script:
            "if command -v update-rc.d >/dev/null; then update-rc.d -f 'keepalived' remove; elif command -v chkconfig >/dev/null; then chkconfig --del 'keepalived'; fi",
        },
      ],
      more: scriptsInclude(
        "update-rc.d 'keepalived' defaults",
        "chkconfig --add 'keepalived' && chkconfig 'keepalived' on",
      ),
    },
  },
  {
    name: 'enabled wanted, already enabled and running: ok',
    args: { ...keepalived, enabled: true },
    facts: [service(true, true)],
    expect: { status: 'ok', reason: 'keepalived is running and enabled' },
  },
  {
    name: 'enabled: false, enabled: disable; no undo',
    args: { ...keepalived, enabled: false },
    facts: [service(true, true)],
    expect: {
      status: 'change',
      description: 'keepalived: disable at boot',
      actions: ['shell'],
      undo: [],
      more: (change) =>
        expect(shellScripts(change)).to.deep.equal(["systemctl disable 'keepalived' || true"]),
    },
  },
  {
    name: 'enabled not given: boot links are left alone',
    args: keepalived,
    facts: [service(true, false)],
    expect: { status: 'ok', reason: 'keepalived is running' },
  },
  {
    name: 'not running and not enabled: start and enable in one change, both undone',
    args: { ...keepalived, enabled: true },
    facts: [service(false, false)],
    expect: {
      status: 'change',
      description: 'keepalived: start, enable at boot',
      actions: ['shell', 'shell'],
      undo: [stopUndo('systemd', 'keepalived', PIDOF), disableSystemd],
    },
  },
  {
    name: 'stopped and disabled wanted, running and enabled: stop and disable',
    args: { ...keepalived, state: 'stopped', enabled: false },
    facts: [service(true, true)],
    expect: {
      status: 'change',
      description: 'keepalived: stop, disable at boot',
      actions: ['shell', 'shell'],
      undo: [],
    },
  },
  // how running is judged
  {
    name: 'status_command: running is what the command says, its output silenced',
    args: {
      name: 'lbprov-realserver',
      status_command: '/etc/init.d/lbprov-realserver status',
      enabled: true,
    },
    facts: [service(false, true)],
    expect: {
      status: 'change',
      description: 'lbprov-realserver: start',
      actions: ['shell'],
      undo: [
        stopUndo('systemd', 'lbprov-realserver', '( /etc/init.d/lbprov-realserver status ) >/dev/null 2>&1'),
      ],
      more(change) {
        scriptsInclude('while ! ( ( /etc/init.d/lbprov-realserver status ) >/dev/null 2>&1 ); do')(change);
        expect(shellScripts(change).join('\n')).not.to.include('pidof');
      },
    },
  },
  {
    name: 'pidfile: a live pid in the file counts, pidof as the fallback',
    args: { ...keepalived, pidfile: '/var/run/keepalived.pid' },
    facts: [service(false)],
    expect: {
      status: 'change',
      description: 'start',
      actions: ['shell'],
      undo: [
        stopUndo(
          'systemd',
          'keepalived',
          `{ [ -s '/var/run/keepalived.pid' ] && kill -0 "$(cat '/var/run/keepalived.pid')" 2>/dev/null; } || ${PIDOF}`,
        ),
      ],
    },
  },
  {
    name: 'start_timeout 30: the start waits up to 150 checks of 0.2s',
    args: { ...keepalived, start_timeout: 30 },
    facts: [service(false)],
    expect: {
      status: 'change',
      description: 'start',
      actions: ['shell'],
      undo: [stopUndo('systemd', 'keepalived', PIDOF)],
      more: scriptsInclude('if [ $i -ge 150 ]', 'keepalived is not running 30s after start'),
    },
  },
  {
    name: 'both process and status_command: refused',
    args: { ...keepalived, status_command: 'true' },
    rejects: 'either',
  },
  { name: 'neither process nor status_command: refused', args: { name: 'keepalived' }, rejects: 'either' },
  { name: 'an unknown state: refused', args: { ...keepalived, state: 'running' }, rejects: 'state' },
  {
    name: 'a service name with a space: refused',
    args: { ...keepalived, name: 'keep alived' },
    rejects: 'name',
  },
  { name: 'start_timeout 0: refused', args: { ...keepalived, start_timeout: 0 }, rejects: 'start_timeout' },
];

describe('steps: service', () => {
  describeCases(serviceModule, cases);

  it('the fact differs by how running is judged (process vs status command)', () => {
    const byProcess = serviceModule.facts(serviceModule.parseArgs(keepalived));
    const byStatus = serviceModule.facts(
      serviceModule.parseArgs({ name: 'keepalived', status_command: 'true' }),
    );
    expect(byProcess[0]?.key).not.to.equal(byStatus[0]?.key);
  });
});

describe('steps: service: the running test, run with sh', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lbprov-service-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const running = (raw: Record<string, unknown>): boolean => {
    const [fact] = serviceModule.facts(serviceModule.parseArgs(raw));
    if (!fact) throw new Error('no fact declared');
    return (runFact(fact) as ServiceState).running;
  };
  const rows: { name: string; args: () => Record<string, unknown>; running: boolean }[] = [
    {
      name: 'a live pid in the pidfile: running (whatever the process is called)',
      args: () => {
        writeFileSync(path.join(dir, 'live.pid'), `${process.pid}\n`);
        return { name: 'x', process: 'lbprov-no-such-daemon', pidfile: path.join(dir, 'live.pid') };
      },
      running: true,
    },
    {
      name: 'an empty pidfile and no such process: not running',
      args: () => {
        writeFileSync(path.join(dir, 'empty.pid'), '');
        return { name: 'x', process: 'lbprov-no-such-daemon', pidfile: path.join(dir, 'empty.pid') };
      },
      running: false,
    },
    {
      name: 'no pidfile, no such process: not running',
      args: () => ({ name: 'x', process: 'lbprov-no-such-daemon' }),
      running: false,
    },
    {
      name: 'a status command that succeeds (and prints): running',
      args: () => ({ name: 'x', status_command: 'echo running=no; true' }),
      running: true,
    },
    {
      name: 'a compound status command that prints, then fails: not running (its output is not the answer)',
      args: () => ({ name: 'x', status_command: 'echo running=yes; false' }),
      running: false,
    },
  ];
  for (const row of rows) it(row.name, () => expect(running(row.args())).to.equal(row.running));
});
