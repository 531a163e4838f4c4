import { expect } from 'chai';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firewallFact, parseNftRuleset } from '../../../src/facts/firewall.js';
import { runFact } from './run-probe.js';

/** `nft -a list ruleset` of a host that lets only SSH in (nftables 1.0.6, Debian 12). */
export const SSH_ONLY_RULESET = [
  'table inet filter { # handle 7',
  '\tset admins { # handle 3',
  '\t\ttype ipv4_addr',
  '\t\telements = { 192.168.56.1 }',
  '\t}',
  '\tchain input { # handle 1',
  '\t\ttype filter hook input priority filter; policy drop;',
  '\t\tiif "lo" accept # handle 4',
  '\t\ttcp dport 22 accept # handle 5',
  '\t}',
  '\tchain forward { # handle 2',
  '\t\ttype filter hook forward priority filter; policy accept;',
  '\t}',
  '}',
  'table ip nat { # handle 8',
  '\tchain prerouting { # handle 1',
  '\t\ttype nat hook prerouting priority dstnat; policy accept;',
  '\t}',
  '}',
].join('\n');

describe('facts: firewall', () => {
  it('reads the chains of an nft ruleset: family, table, hook, policy and rules without handles; sets are no chains', () => {
    expect(parseNftRuleset(SSH_ONLY_RULESET.split('\n'))).to.deep.equal([
      {
        family: 'inet',
        table: 'filter',
        name: 'input',
        hook: 'input',
        policy: 'drop',
        rules: ['iif "lo" accept', 'tcp dport 22 accept'],
      },
      { family: 'inet', table: 'filter', name: 'forward', hook: 'forward', policy: 'accept', rules: [] },
      { family: 'ip', table: 'nat', name: 'prerouting', hook: 'prerouting', policy: 'accept', rules: [] },
    ]);
  });

  it('an older nft (priority as a number, no policy printed) and a regular chain', () => {
    const chains = parseNftRuleset([
      'table ip filter {',
      '\tchain INPUT {',
      '\t\ttype filter hook input priority 0;',
      '\t\tjump checks',
      '\t}',
      '\tchain checks {',
      '\t\tip saddr 10.0.0.0/8 drop',
      '\t}',
      '}',
    ]);
    expect(chains).to.deep.equal([
      { family: 'ip', table: 'filter', name: 'INPUT', hook: 'input', rules: ['jump checks'] },
      { family: 'ip', table: 'filter', name: 'checks', rules: ['ip saddr 10.0.0.0/8 drop'] },
    ]);
  });

  describe('run with sh, with stand-in nft and iptables on the PATH', () => {
    let dir: string;
    let path: string | undefined;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'lbprov-fw-'));
      path = process.env.PATH;
      // sh itself and the tools the probe uses stay reachable; nft and iptables are only ours.
      process.env.PATH = `${dir}:/usr/bin:/bin`;
    });
    afterEach(() => {
      process.env.PATH = path;
      rmSync(dir, { recursive: true, force: true });
    });
    function tool(name: string, script: string): void {
      writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
      chmodSync(join(dir, name), 0o755);
    }

    it('nft present: its ruleset, and iptables is not asked', () => {
      writeFileSync(join(dir, 'ruleset'), `${SSH_ONLY_RULESET}\n`);
      tool('nft', `echo "$@" >> ${dir}/calls; cat ${dir}/ruleset`);
      tool('iptables', `echo iptables >> ${dir}/calls; exit 1`);
      const state = runFact(firewallFact);
      expect(state.tool).to.equal('nft');
      expect(state.tool === 'nft' && state.readable && state.chains.map((chain) => chain.name)).to.deep.equal(
        ['input', 'forward', 'prerouting'],
      );
      expect(readFileSync(join(dir, 'calls'), 'utf8')).to.equal('-a list ruleset\n');
    });

    it('nft that cannot list (not root): unreadable, with its message and exit code', () => {
      tool('nft', 'echo "Operation not permitted" >&2; exit 1');
      expect(runFact(firewallFact)).to.deep.equal({
        tool: 'nft',
        readable: false,
        output: 'Operation not permitted',
        code: 1,
      });
    });

    it('iptables only: the INPUT chain', () => {
      tool('iptables', 'printf -- "-P INPUT DROP\\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\\n"');
      expect(runFact(firewallFact)).to.deep.equal({
        tool: 'iptables',
        readable: true,
        policy: 'DROP',
        rules: ['-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'],
      });
    });

    it('neither: none', () => {
      expect(runFact(firewallFact)).to.deep.equal({ tool: 'none' });
    });
  });
});
