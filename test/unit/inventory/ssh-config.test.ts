import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenSshConfig, parseProxyJump, SshConfigError } from '../../../src/inventory/ssh-config.js';

const FILE = '/home/ops/.ssh/config';

const CONFIG = `
# The operator's own config, as OpenSSH reads it.
Host bastion
    HostName bastion.example.net
    user jump
    IdentityFile ~/.ssh/bastion_ed25519

Host lb? rs*
    ProxyJump bastion
    Port 2222

Host lb1
    HostName 10.8.80.11
    Port 2200

Host *.internal
    HostName %h.example.net

Match host rs9
    User nine

Host *
    User root
    IdentityFile ~/.ssh/id_ed25519
    IdentityFile ~/.ssh/id_rsa
    StrictHostKeyChecking accept-new
    UserKnownHostsFile ~/.ssh/known_hosts_lab ~/.ssh/known_hosts2
`;

describe('inventory: the OpenSSH client config', () => {
  const config = OpenSshConfig.parse(CONFIG, FILE);

  it('an alias: HostName, the first Port obtained, the jump host, the first IdentityFile', () => {
    expect(config.forHost('lb1', FILE)).to.deep.equal({
      hostName: '10.8.80.11',
      user: 'root',
      port: 2222,
      identityFile: '~/.ssh/id_ed25519',
      userKnownHostsFile: '~/.ssh/known_hosts_lab',
      strictHostKeyChecking: 'accept-new',
      proxyJump: [{ host: 'bastion' }],
    });
  });

  it('keywords in any case: the first value wins ("user jump" before "User root")', () => {
    expect(config.forHost('bastion', FILE)).to.deep.include({
      hostName: 'bastion.example.net',
      user: 'jump',
      identityFile: '~/.ssh/bastion_ed25519',
    });
  });

  it('Match host, and %h in HostName', () => {
    expect(config.forHost('rs9', FILE).user).to.equal('nine');
    expect(config.forHost('db.internal', FILE).hostName).to.equal('db.internal.example.net');
  });

  it('a host no block names gets only Host *', () => {
    expect(config.forHost('10.0.0.5', FILE)).to.not.have.property('hostName');
    expect(config.forHost('10.0.0.5', FILE)).to.not.have.property('proxyJump');
  });

  it('never runs Match exec', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbprov-sshcfg-'));
    try {
      const marker = join(dir, 'ran');
      const withExec = OpenSshConfig.parse(
        `Match exec "touch ${marker}"\n    User exec\nHost *\n    User root\n`,
        FILE,
      );
      expect(withExec.forHost('lb1', FILE).user).to.equal('root');
      expect(existsSync(marker)).to.equal(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses ProxyCommand (lbprov does not run commands to connect), naming the file and the host', () => {
    const proxied = OpenSshConfig.parse('Host lb1\n    ProxyCommand nc %h %p\n', FILE);
    expect(() => proxied.forHost('lb1', FILE))
      .to.throw(SshConfigError)
      .with.property(
        'message',
        `${FILE}: ProxyCommand for lb1: lbprov does not run ProxyCommand; use ProxyJump (a jump host) instead`,
      );
  });

  it('refuses a Port that is not one', () => {
    const bad = OpenSshConfig.parse('Host lb1\n    Port 70000\n', FILE);
    expect(() => bad.forHost('lb1', FILE)).to.throw(
      SshConfigError,
      `${FILE}: Port for lb1: "70000" is not a port (1-65535)`,
    );
  });

  describe('ProxyJump values', () => {
    const cases: [string, ReturnType<typeof parseProxyJump>][] = [
      ['bastion', [{ host: 'bastion' }]],
      ['ops@bastion:2222', [{ user: 'ops', host: 'bastion', port: 2222 }]],
      ['a,ops@b', [{ host: 'a' }, { user: 'ops', host: 'b' }]],
      ['ssh://ops@10.0.0.1:22', [{ user: 'ops', host: '10.0.0.1', port: 22 }]],
      ['[fe80::1]:22', [{ host: 'fe80::1', port: 22 }]],
      ['none', []],
    ];
    for (const [value, hops] of cases) {
      it(value, () => expect(parseProxyJump(value, 'here')).to.deep.equal(hops));
    }
    for (const bad of ['ops@', 'a b', 'host:port', '$(reboot)']) {
      it(`refuses ${JSON.stringify(bad)}`, () =>
        expect(() => parseProxyJump(bad, 'here')).to.throw(SshConfigError, 'is not [user@]host[:port]'));
    }
  });
});
