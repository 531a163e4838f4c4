// The engine against a real OpenSSH server (the lab's `client` host), on generic steps.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import {
  ARTIFACTS_URL,
  LAB_KNOWN_HOSTS,
  LAB_HOSTS,
  labExec,
  labExecOk,
  REPO_ROOT,
  type LabHost,
} from './support/lab.js';
import { runGeneric, stepEvents, summaryOf, type GenericVars } from './support/generic.js';
import { LAB_SSH_CONFIG } from './support/lab.js';
import { tempDir } from '../support/temp-dir.js';

const HOST = 'client';
const SENTINEL = 'Sentinel-7Qx9';

/** Everything the generic playbook touches, plus lbprov's own record and lock. */
const SNAPSHOT =
  'find /etc/lbprov-test /etc/sysctl.d /tmp/lbprov-test /var/lib/lbprov /run -maxdepth 3 -type f 2>/dev/null | sort | while read -r f; do echo "$f $(sha256sum < "$f" | cut -c1-16)"; done; cat /proc/sys/net/ipv4/ip_forward';

async function artifactSha(name = 'ipvsadm_1.31.orig.tar.gz'): Promise<string> {
  const response = await fetch(`${ARTIFACTS_URL}/${name}`);
  return createHash('sha256')
    .update(Buffer.from(await response.arrayBuffer()))
    .digest('hex');
}

async function reset(host: LabHost = HOST): Promise<void> {
  await labExecOk(
    host,
    'rm -rf /etc/lbprov-test /tmp/lbprov-test /var/lib/lbprov /etc/sysctl.d/99-lbprov-test.conf /run/lbprov.lock /run/lbprov.lock.info; echo 0 > /proc/sys/net/ipv4/ip_forward',
  );
}

describe('engine against a real sshd (lab host `client`)', function () {
  let vars: GenericVars;

  before(async () => {
    vars = {
      content: `token=${SENTINEL}\nmode=fast\n`,
      answer: '42',
      url: `${ARTIFACTS_URL}/ipvsadm_1.31.orig.tar.gz`,
      sha256: await artifactSha(),
      sleep: 0,
      fail: 'no',
    };
    await reset();
  });
  after(reset);

  it('converges, and a re-apply changes nothing and costs one probe round trip', async () => {
    const first = await runGeneric(HOST, vars, { secrets: [SENTINEL] });
    expect(first.exitCode).to.equal(0);
    expect(summaryOf(first.events).changed).to.be.greaterThan(4);
    expect(await labExecOk(HOST, 'cat /etc/lbprov-test/app.conf')).to.equal(vars.content);
    expect((await labExecOk(HOST, 'cat /etc/lbprov-test/reloads')).trim().split('\n')).to.have.length(1);
    const uploaded = stepEvents(first.events).find((event) => event.step === 'tarball-via-control');
    expect(uploaded?.description).to.include('through lbprov');
    expect(await labExecOk(HOST, 'sha256sum < /tmp/lbprov-test/uploaded.tar.gz')).to.include(vars.sha256);

    const before = await labExecOk(HOST, SNAPSHOT);
    const second = await runGeneric(HOST, vars, { secrets: [SENTINEL] });
    expect(second.exitCode).to.equal(0);
    expect(
      stepEvents(second.events).filter((event) => event.status !== 'ok' && event.status !== 'skipped'),
    ).to.deep.equal([]);
    expect(summaryOf(second.events).changed).to.equal(0);
    expect(second.counts).to.deep.equal({ exec: 1, upload: 0, hold: 0 });
    expect(await labExecOk(HOST, SNAPSHOT)).to.equal(before);
  });

  it('--dry-run after drift reports exactly the drift, with a masked diff, and writes nothing', async () => {
    await labExecOk(
      HOST,
      "printf 'token=changed\\n' > /etc/lbprov-test/app.conf; echo 0 > /proc/sys/net/ipv4/ip_forward",
    );
    const before = await labExecOk(HOST, SNAPSHOT);
    const plan = await runGeneric(HOST, vars, { mode: 'dry-run', secrets: [SENTINEL] });
    const changing = stepEvents(plan.events).filter(
      (event) => event.status !== 'ok' && event.status !== 'skipped',
    );
    expect(changing.map((event) => event.step)).to.deep.equal(['app-conf', 'forwarding', 'record-reload']);
    const diff = changing[0]?.diff ?? '';
    expect(diff).to.include('-token=changed').and.include('+token=********');
    expect(JSON.stringify(plan.events)).not.to.include(SENTINEL);
    expect(plan.counts).to.deep.equal({ exec: 1, upload: 0, hold: 0 });
    expect(await labExecOk(HOST, SNAPSHOT)).to.equal(before);
    await runGeneric(HOST, vars, { secrets: [SENTINEL] });
  });

  it('refuses a changed host key and an unknown one under strict, and says how to fix it', async () => {
    const dir = tempDir('lbprov-kh-');
    const lines = readFileSync(LAB_KNOWN_HOSTS, 'utf8').split('\n');
    const otherKey = lines
      .find((line) => line.startsWith(`${LAB_HOSTS.lb1} `))!
      .split(' ')
      .slice(1)
      .join(' ');
    const forged = join(dir, 'forged');
    writeFileSync(forged, `${LAB_HOSTS.client} ${otherKey}\n`);
    const changed = await runGeneric(HOST, vars, { knownHosts: forged });
    expect(changed.exitCode).to.equal(3);
    const changedEnd = changed.events.find((event) => event.type === 'host_end');
    expect(JSON.stringify(changedEnd)).to.include('CHANGED').and.include('ssh-keygen -R');

    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    const unknown = await runGeneric(HOST, vars, { knownHosts: empty });
    expect(unknown.exitCode).to.equal(3);
    expect(JSON.stringify(unknown.events)).to.include('ssh-keyscan');
    expect(readFileSync(empty, 'utf8')).to.equal('');

    const accepted = await runGeneric(HOST, vars, { knownHosts: empty, policy: 'accept-new' });
    expect(accepted.exitCode).to.equal(0);
    expect(readFileSync(empty, 'utf8')).to.match(
      new RegExp(`^${LAB_HOSTS.client.replace(/\./g, '\\.')} ssh-ed25519 `),
    );
  });

  it('refuses to apply while another run holds the host lock', async () => {
    await labExecOk(HOST, "printf 'token=drift\\n' > /etc/lbprov-test/app.conf");
    const holder = spawn(
      'ssh',
      [
        '-F',
        LAB_SSH_CONFIG,
        HOST,
        "exec 9>>/run/lbprov.lock; flock 9; echo 'someone run other' > /run/lbprov.lock.info; echo held; cat >/dev/null",
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((done) =>
      holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('held') && done()),
    );
    try {
      const blocked = await runGeneric(HOST, vars);
      expect(blocked.exitCode).to.equal(5);
      expect(JSON.stringify(blocked.events))
        .to.include('another lbprov run holds the lock')
        .and.include('someone run other');
      expect(await labExecOk(HOST, 'cat /etc/lbprov-test/app.conf')).to.equal('token=drift\n');
    } finally {
      holder.stdin.end();
      await new Promise((done) => holder.on('close', done));
    }
    const after = await runGeneric(HOST, vars);
    expect(after.exitCode).to.equal(0);
  });

  it('a run killed mid-apply leaves no half-written file, and the next run finishes it', async () => {
    await labExecOk(
      HOST,
      "rm -f /etc/lbprov-test/slow-done; printf 'token=old\\n' > /etc/lbprov-test/app.conf",
    );
    const slow = { ...vars, sleep: 30 };
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'test/lab/support/generic-apply.ts'), HOST, JSON.stringify(slow)],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((done) =>
      child.stdout.on(
        'data',
        (chunk: Buffer) => chunk.toString().includes('"step_start","host":"client","step":"slow"') && done(),
      ),
    );
    child.kill('SIGKILL');
    await new Promise((done) => child.on('close', done));

    const leftovers = await labExec(
      HOST,
      "find /etc/lbprov-test /var/lib/lbprov /tmp -name '.lbprov-*'; ls -A /var/lib/lbprov/stage",
    );
    expect(leftovers.stdout.trim()).to.equal('');
    expect(await labExecOk(HOST, 'cat /etc/lbprov-test/app.conf')).to.equal(vars.content);
    const record = JSON.parse(await labExecOk(HOST, 'cat /var/lib/lbprov/state.json')) as {
      last_run: { finished?: string };
    };
    expect(record.last_run.finished).to.equal(undefined);

    const resumed = await runGeneric(HOST, slow.sleep === 30 ? { ...vars, sleep: 0 } : vars);
    expect(resumed.exitCode).to.equal(0);
    expect(JSON.stringify(resumed.events)).to.include('was interrupted');
    expect(stepEvents(resumed.events).find((event) => event.step === 'slow')?.status).to.equal('changed');
    const settled = await runGeneric(HOST, vars);
    expect(summaryOf(settled.events).changed).to.equal(0);
  });

  it('keeps staged uploads out of /tmp, and the next run, even a converged one, removes what a dead run staged', async () => {
    const tmpBefore = await labExecOk(HOST, "find /tmp -maxdepth 1 -name '.lbprov-*' | sort");
    await labExecOk(
      HOST,
      `printf 'token=${SENTINEL}\\n' > /var/lib/lbprov/stage/0123456789abcdef; printf 'token=x\\n' > /etc/lbprov-test/app.conf`,
    );
    const rewrite = await runGeneric(HOST, vars, { secrets: [SENTINEL] });
    expect(rewrite.exitCode).to.equal(0);
    expect(JSON.stringify(rewrite.events)).to.include('removed 1 staged file(s)').and.not.include(SENTINEL);
    expect(await labExecOk(HOST, 'ls -A /var/lib/lbprov/stage')).to.equal('');
    expect(await labExecOk(HOST, "find /tmp -maxdepth 1 -name '.lbprov-*' | sort")).to.equal(tmpBefore);
    expect(await labExecOk(HOST, 'stat -c "%U %a" /var/lib/lbprov /var/lib/lbprov/stage')).to.equal(
      'root 711\nroot 700\n',
    );

    await labExecOk(HOST, "printf 'left\\n' > /var/lib/lbprov/stage/fedcba9876543210");
    const converged = await runGeneric(HOST, vars);
    expect(converged.exitCode).to.equal(0);
    expect(summaryOf(converged.events).changed).to.equal(0);
    expect(JSON.stringify(converged.events)).to.include('removed 1 staged file(s)');
    expect(await labExecOk(HOST, 'ls -A /var/lib/lbprov/stage')).to.equal('');
  });

  it('without a sha256 in the inventory, records what it fetched and refuses another tarball there until one is pinned', async () => {
    const fetchedTo = async () =>
      (
        JSON.parse(await labExecOk(HOST, 'cat /var/lib/lbprov/state.json')) as {
          fetched?: Record<string, string>;
        }
      ).fetched ?? {};
    const host = '/tmp/lbprov-test/artifact.tar.gz';
    const control = '/tmp/lbprov-test/uploaded.tar.gz';
    try {
      await labExecOk(HOST, `rm -f ${host} ${control}`);
      const unpinned = { ...vars, sha256: '' };
      expect((await runGeneric(HOST, unpinned)).exitCode).to.equal(0);
      expect(await fetchedTo()).to.include({ [host]: vars.sha256, [control]: vars.sha256 });

      // The same destination, another tarball (a changed upstream file, say): the host's download.
      const other = {
        url: `${ARTIFACTS_URL}/ipvsadm-1.26.tar.gz`,
        sha256: await artifactSha('ipvsadm-1.26.tar.gz'),
      };
      await labExecOk(HOST, `rm -f ${host}`);
      const refused = await runGeneric(HOST, { ...unpinned, url: other.url });
      expect(refused.exitCode).to.equal(2);
      const failure = stepEvents(refused.events).find((event) => event.step === 'tarball');
      expect(failure?.status).to.equal('failed');
      expect(failure?.error?.message).to.include(
        `is not the tarball lbprov fetched to ${host} on this host before`,
      );
      expect(failure?.error?.hint).to.include(`sha256: ${other.sha256}`);
      expect((await labExec(HOST, `ls ${host} ${host}.lbprov-part`)).stdout).to.equal('');

      // lbprov's own download and upload (via control) is held to the same record.
      await labExecOk(HOST, `cp ${control} ${host} && rm -f ${control}`);
      const throughLbprov = await runGeneric(HOST, { ...unpinned, url: other.url });
      expect(throughLbprov.exitCode).to.equal(2);
      const steps = stepEvents(throughLbprov.events);
      expect(steps.find((event) => event.step === 'tarball')?.status).to.equal('ok');
      const uploadRefused = steps.find((event) => event.step === 'tarball-via-control');
      expect(uploadRefused?.status).to.equal('failed');
      expect(uploadRefused?.error?.message).to.include(`is not the tarball lbprov fetched to ${control}`);
      expect((await labExec(HOST, `ls ${control}`)).stdout).to.equal('');

      // Pinned in the inventory: taken, and recorded.
      const pinned = await runGeneric(HOST, { ...vars, ...other });
      expect(pinned.exitCode).to.equal(0);
      expect(await fetchedTo()).to.include({ [host]: other.sha256, [control]: other.sha256 });
    } finally {
      expect((await runGeneric(HOST, vars)).exitCode).to.equal(0);
    }
  });

  it('a host whose link is cut mid-apply is reported unreachable, not failed; the other host converges; once back, the next run finishes it', async () => {
    const other: LabHost = 'rs1';
    const veth = `lbp-${HOST}`;
    await reset(other);
    await labExecOk(HOST, 'rm -f /etc/lbprov-test/slow-done');
    let cutAt = 0;
    try {
      const cut = await runGeneric(
        [HOST, other],
        { ...vars, sleep: 8 },
        {
          onEvent(event) {
            if (cutAt === 0 && event.type === 'step_start' && event.host === HOST && event.step === 'slow') {
              cutAt = Date.now();
              execFileSync('ip', ['link', 'set', veth, 'down']);
            }
          },
        },
      );
      const reportedAfter = Date.now() - cutAt;
      console.log(
        `      link cut: ${HOST} reported unreachable, the run over, ${reportedAfter} ms after its link went down`,
      );
      expect(cutAt, 'the slow step never started').to.be.greaterThan(0);
      expect(
        cut.exitCode,
        JSON.stringify(cut.events.filter((event) => event.type === 'host_end' || event.type === 'step')),
      ).to.equal(3);
      const summary = summaryOf(cut.events);
      expect(summary.hosts[HOST]).to.deep.include({ unreachable: true, failed: 0 });
      expect(summary.hosts[other]).to.deep.include({ unreachable: false, failed: 0 });
      expect(summary.hosts[other]!.changed).to.be.greaterThan(4);
      const end = cut.events.find((event) => event.type === 'host_end' && event.host === HOST);
      expect(JSON.stringify(end)).to.include(`the connection to ${HOST} was lost`);
      // A guard against a hang, not a speed claim: SSH keepalives give up after 3 x 5 s.
      expect(reportedAfter).to.be.below(90_000);
    } finally {
      execFileSync('ip', ['link', 'set', veth, 'up']);
      await reset(other);
    }
    // sshd keeps the dead session, and the lock its shell holds, until TCP tells it the client is
    // gone (its next retransmission after the link is back).
    const waitedFrom = Date.now();
    while ((await labExec(HOST, 'flock -n /run/lbprov.lock true')).code !== 0) {
      expect(Date.now() - waitedFrom, 'the dead session still holds the lock').to.be.below(180_000);
      await new Promise((done) => setTimeout(done, 1000));
    }
    console.log(
      `      link cut: the host released the dead run's lock ${Date.now() - waitedFrom} ms after the link was back`,
    );
    const resumed = await runGeneric(HOST, vars);
    expect(resumed.exitCode).to.equal(0);
    expect(summaryOf(resumed.events).hosts[HOST]).to.deep.include({ unreachable: false, failed: 0 });
    // Whether the cut came before or after the step reached the host, the host is converged now.
    expect((await labExec(HOST, 'test -e /etc/lbprov-test/slow-done')).code).to.equal(0);
    expect(summaryOf((await runGeneric(HOST, vars)).events).changed).to.equal(0);
  });

  it('sshd restarted mid-run (SIGHUP, as a reload does): the run goes on and finishes, the next one connects', async () => {
    await labExecOk(HOST, 'rm -f /etc/lbprov-test/slow-done');
    let restart: Promise<string> | undefined;
    const during = await runGeneric(
      HOST,
      { ...vars, sleep: 3 },
      {
        onEvent(event) {
          if (!restart && event.type === 'step_start' && event.step === 'slow') {
            restart = labExecOk(HOST, 'kill -HUP "$(cat /run/sshd.pid)"');
          }
        },
      },
    );
    await restart;
    expect(during.exitCode).to.equal(0);
    expect(stepEvents(during.events).find((event) => event.step === 'slow')?.status).to.equal('changed');
    const after = await runGeneric(HOST, vars);
    expect(after.exitCode).to.equal(0);
    expect(summaryOf(after.events).changed).to.equal(0);
  });

  it('a full disk: the write fails with a clear error, the old file stays whole, no temp file is left', async () => {
    const dir = '/etc/lbprov-test';
    await labExecOk(HOST, `printf 'token=old\\n' > ${dir}/app.conf`);
    // A small file system over the playbook's folder, in the host's own mount namespace only.
    await labExecOk(
      HOST,
      `cp -a ${dir} /tmp/lbprov-full-saved && mount -t tmpfs -o size=64k lbprov-full ${dir} && cp -a /tmp/lbprov-full-saved/. ${dir}/ && ` +
        `{ dd if=/dev/zero of=${dir}/filler bs=4k 2>/dev/null; true; }`,
    );
    try {
      const full = await runGeneric(HOST, vars, { secrets: [SENTINEL] });
      expect(full.exitCode).to.equal(2);
      const failed = stepEvents(full.events).find((event) => event.status === 'failed');
      expect(failed?.step).to.equal('app-conf');
      expect(JSON.stringify(failed?.error)).to.include('No space left on device').and.not.include(SENTINEL);
      expect(await labExecOk(HOST, `cat ${dir}/app.conf`)).to.equal('token=old\n');
      expect(await labExecOk(HOST, `ls -A ${dir} | grep lbprov; ls -A /var/lib/lbprov/stage; true`)).to.equal(
        '',
      );
    } finally {
      await labExecOk(HOST, `umount ${dir} && rm -rf /tmp/lbprov-full-saved`);
    }
    const freed = await runGeneric(HOST, vars);
    expect(freed.exitCode).to.equal(0);
    expect(await labExecOk(HOST, `cat ${dir}/app.conf`)).to.equal(vars.content);
  });

  it('keeps a notified handler across a failed run and fires it once on the next', async () => {
    await labExecOk(
      HOST,
      "rm -f /etc/lbprov-test/passed /etc/lbprov-test/reloads; printf 'token=x\\n' > /etc/lbprov-test/app.conf; sed -i 's/^answer.*/answer = 0/' /etc/lbprov-test/settings",
    );
    const failing = await runGeneric(HOST, { ...vars, fail: 'yes' }, { secrets: [SENTINEL] });
    expect(failing.exitCode).to.equal(2);
    const failed = stepEvents(failing.events).find((event) => event.step === 'maybe-fail');
    expect(failed?.status).to.equal('failed');
    expect(failed?.error?.output).to.include('failing on purpose with token=********');
    expect(JSON.stringify(failing.events)).not.to.include(SENTINEL);
    expect((await labExec(HOST, 'cat /etc/lbprov-test/reloads')).code).not.to.equal(0);
    const record = JSON.parse(await labExecOk(HOST, 'cat /var/lib/lbprov/state.json')) as {
      pending_handlers: string[];
    };
    expect(record.pending_handlers).to.deep.equal(['record-reload']);

    const next = await runGeneric(HOST, vars);
    expect(next.exitCode).to.equal(0);
    expect((await labExecOk(HOST, 'cat /etc/lbprov-test/reloads')).trim().split('\n')).to.have.length(1);
  });

  it('runs as root through sudo (become), with passwordless and with password sudo, never showing the password', async () => {
    const password = 'Sudo-Pw-4417';
    await labExecOk(
      HOST,
      [
        'id ops >/dev/null 2>&1 || useradd -m -s /bin/sh ops',
        'id ask >/dev/null 2>&1 || useradd -m -s /bin/sh ask',
        `echo 'ask:${password}' | chpasswd`,
        'for u in ops ask; do mkdir -p /home/$u/.ssh; cp /root/.ssh/authorized_keys /home/$u/.ssh/; chown -R $u: /home/$u/.ssh; done',
        "echo 'ops ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/lbprov-test-ops",
        "echo 'ask ALL=(ALL) ALL' > /etc/sudoers.d/lbprov-test-ask",
        "printf 'token=by-sudo\\n' > /etc/lbprov-test/app.conf",
      ].join('; '),
    );
    try {
      const passwordless = await runGeneric(HOST, vars, { becomeFrom: 'ops' });
      expect(passwordless.exitCode).to.equal(0);
      expect(stepEvents(passwordless.events).find((event) => event.step === 'app-conf')?.status).to.equal(
        'changed',
      );
      expect(await labExecOk(HOST, 'stat -c %U /etc/lbprov-test/app.conf')).to.equal('root\n');
      // ops uploads over SFTP into a stage only ops (and root) can enter.
      expect(await labExecOk(HOST, 'stat -c "%U %a" /var/lib/lbprov/stage')).to.equal('ops 700\n');

      await labExecOk(HOST, "printf 'token=by-ask\\n' > /etc/lbprov-test/app.conf");
      const withPassword = await runGeneric(HOST, vars, { becomeFrom: 'ask', sudoPassword: password });
      expect(withPassword.exitCode).to.equal(0);
      expect(await labExecOk(HOST, 'cat /etc/lbprov-test/app.conf')).to.equal(vars.content);
      expect(JSON.stringify(withPassword.events)).not.to.include(password);

      const wrong = await runGeneric(HOST, vars, { becomeFrom: 'ask', sudoPassword: 'not-it-123' });
      expect(wrong.exitCode).to.equal(3);
      expect(JSON.stringify(wrong.events))
        .to.include('sudo refused the password')
        .and.not.include('not-it-123');
    } finally {
      await labExecOk(
        HOST,
        'rm -f /etc/sudoers.d/lbprov-test-ops /etc/sudoers.d/lbprov-test-ask; userdel -r ops 2>/dev/null; userdel -r ask 2>/dev/null; true',
      );
    }
  });
});
