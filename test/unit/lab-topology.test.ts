// lab/topology is the one place the labs' names, addresses and roles are written. Its readers must
// agree: lab/common.sh (through `lab.sh topology`, which prints what `lab.sh up` runs and writes to
// .run/topology), test/support/topology.ts (the tests and the benchmarks), vagrant/Vagrantfile,
// and the lab inventories, which are generated from it. No lab is started here: `lab.sh topology`
// and `vagrant.sh topology` need no root and make nothing.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  generatedLabInventory,
  LAB_INVENTORY_FILES,
  writeScaledInventory,
} from '../support/lab-inventory.js';
import {
  expandTopology,
  formatHosts,
  parseTopology,
  readTopology,
  TOPOLOGY_FILE,
} from '../support/topology.js';
import { tempDir } from '../support/temp-dir.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LAB = resolve(REPO, 'lab', 'lab.sh');
const VAGRANT_LAB = resolve(REPO, 'lab', 'vagrant.sh');

function bash(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('bash', args, {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, LBPROV_LAB: '', LBPROV_LAB_SUBNET: '', LBPROV_VAGRANT_HOSTS: '', ...env },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** lab/common.sh's reader on `file`: its settings, then the hosts for each size. */
function commonSh(file: string, sizes: number[]): { code: number; stdout: string; stderr: string } {
  const script = [
    'set -euo pipefail',
    'SAY_TAG=test',
    'source lab/common.sh',
    'TOPOLOGY_SOURCE=$1',
    'shift',
    'load_topology',
    'printf "%s %s %s/%s %s %s\\n" "$CONTROL_IP" "$VIP" "$SUBNET_ADDR" "$SUBNET_LEN" "$DEFAULT_REAL_SERVERS" "$MAX_REAL_SERVERS"',
    'for n in "$@"; do set_topology "$n"; print_topology; done',
  ].join('\n');
  return bash(['-c', script, 'test', file, ...sizes.map(String)]);
}

/** test/support/topology.ts's reader on `file`, printed as commonSh prints. */
function typeScript(file: string, sizes: number[]): string {
  const spec = parseTopology(readFileSync(file, 'utf8'), file);
  const base = expandTopology(spec);
  return (
    `${base.control} ${base.vip} ${base.subnet}.0/${base.prefixLength} ${base.defaultRealServers} ${base.maxRealServers}\n` +
    sizes.map((n) => formatHosts(expandTopology(spec, { realServers: n }).hosts)).join('')
  );
}

describe('lab/topology', function () {
  this.timeout(60_000);

  describe('lab.sh topology (lab/common.sh) and test/support/topology.ts', function () {
    for (const n of [1, 2, 20, 100, 232]) {
      it(`list the same hosts for --real-servers ${n}`, function () {
        const printed = bash([LAB, 'topology', '--real-servers', String(n)]);
        expect(printed.code, printed.stderr).to.equal(0);
        const hosts = readTopology({ realServers: n }).hosts;
        expect(printed.stdout).to.equal(formatHosts(hosts));
        expect(hosts.filter((host) => host.role === 'real_server')).to.have.length(n);
        const addresses = hosts.map((host) => host.address);
        expect(new Set(addresses).size).to.equal(addresses.length);
        expect(addresses).not.to.include(readTopology().vip);
        expect(addresses).not.to.include(readTopology().control);
      });
    }

    it('without --real-servers: the base hosts, lb1 lb2 rs1 rs2 client as the lab has always had them', function () {
      const printed = bash([LAB, 'topology']);
      expect(printed.code, printed.stderr).to.equal(0);
      expect(printed.stdout).to.equal(formatHosts(readTopology().hosts));
      expect(readTopology().hosts.map((host) => host.name)).to.deep.equal([
        'lb1',
        'lb2',
        'rs1',
        'rs2',
        'client',
      ]);
    });

    it('agree on the control address, the VIP, the subnet and the sizes the lab takes', function () {
      const read = commonSh(TOPOLOGY_FILE, [3]);
      expect(read.code, read.stderr).to.equal(0);
      expect(read.stdout).to.equal(typeScript(TOPOLOGY_FILE, [3]));
      expect(readTopology()).to.include({ defaultRealServers: 2, maxRealServers: 232 });
    });

    it('refuse the same sizes', function () {
      const max = readTopology().maxRealServers;
      for (const n of ['0', String(max + 1), 'x']) {
        const printed = bash([LAB, 'topology', '--real-servers', n]);
        expect(printed.code, n).to.equal(1);
        expect(printed.stderr, n).to.include(`from 1 to ${max}`);
        expect(() => readTopology({ realServers: Number(n) }), n).to.throw(`1 to ${max}`);
      }
    });

    describe('on other topology files', function () {
      let dir: string;
      const write = (name: string, text: string) => {
        const file = join(dir, name);
        writeFileSync(file, text);
        return file;
      };
      before(function () {
        dir = tempDir('lbprov-topology-');
      });

      it('derive the same hosts from another layout', function () {
        const file = write(
          'other',
          [
            'network 10.20.30.0/24 # a comment',
            'vip 100',
            'control 254',
            'host client 5 client',
            'host a1 7 director',
            'host node1 9 real_server',
            'host node2 8 real_server',
            'host node3 101 real_server',
            'host b2 6 director',
            'more_real_servers node 99 110',
            '',
          ].join('\n'),
        );
        const sizes = [1, 3, 4, 10];
        const read = commonSh(file, sizes);
        expect(read.code, read.stderr).to.equal(0);
        expect(read.stdout).to.equal(typeScript(file, sizes));
        expect(read.stdout.split('\n')[0]).to.equal('10.20.30.254 10.20.30.100 10.20.30.0/24 3 13');
      });

      const bad: Record<string, string> = {
        'an octet used twice': 'host lb3 10 director',
        'a name used twice': 'host lb2 12 director',
        'an octet with a leading zero': 'host lb3 012 director',
        'an unknown role': 'host lb3 12 master',
        'an unknown entry': 'gateway 254',
        'real servers out of order': 'host rs4 23 real_server',
        'real servers apart': 'host lb3 12 director\nhost rs3 23 real_server',
        'the VIP on a host': 'vip 21',
        'a second word after the VIP': 'vip 200 201',
      };
      for (const [what, line] of Object.entries(bad)) {
        it(`both refuse ${what}`, function () {
          const text = readFileSync(TOPOLOGY_FILE, 'utf8')
            .split('\n')
            .filter((l) => !(line.startsWith('vip') && l.startsWith('vip')))
            .join('\n');
          const file = write(what.replace(/\W+/g, '-'), `${text}\n${line}\n`);
          const read = commonSh(file, [2]);
          expect(read.code, read.stdout).to.equal(1);
          expect(read.stderr).to.include(file);
          expect(() => parseTopology(readFileSync(file, 'utf8'), file)).to.throw(file);
        });
      }
    });
  });

  describe('the Vagrant lab', function () {
    it('runs the base hosts (vagrant.sh topology), on another subnet too', function () {
      const printed = bash([VAGRANT_LAB, 'topology']);
      expect(printed.code, printed.stderr).to.equal(0);
      expect(printed.stdout).to.equal(formatHosts(readTopology().hosts));
      const other = bash([LAB, 'topology', '--vagrant'], { LBPROV_LAB_SUBNET: '10.1.2' });
      expect(other.code, other.stderr).to.equal(0);
      expect(other.stdout).to.equal(formatHosts(readTopology({ subnet: '10.1.2' }).hosts));
    });

    it('vagrant/Vagrantfile defines the base hosts with their addresses and /etc/hosts lines', function () {
      if (spawnSync('ruby', ['--version']).status !== 0) this.skip();
      const keys = tempDir('lbprov-vagrantfile-');
      writeFileSync(join(keys, 'id_ed25519'), '');
      // Vagrant itself stands in as a recorder: each machine defined and its lab address.
      const harness = `
        class Rec
          def method_missing(name, *args, **kw)
            $current = args[0] if name == :define
            puts "#{$current} #{kw[:ip]}" if name == :network
            rec = Rec.new
            yield rec if block_given?
            rec
          end
          def respond_to_missing?(*)
            true
          end
        end
        module Vagrant
          def self.configure(_version)
            yield Rec.new
          end
        end
        load ARGV[0]
        puts ETC_HOSTS.join(" ")`;
      for (const subnet of [undefined, '10.1.2']) {
        const result = spawnSync('ruby', ['-e', harness, resolve(REPO, 'vagrant', 'Vagrantfile')], {
          encoding: 'utf8',
          env: {
            ...process.env,
            LBPROV_VAGRANT_MODE: 'public',
            LBPROV_VAGRANT_KEYS_DIR: keys,
            LBPROV_LAB_SUBNET: subnet,
            LBPROV_VAGRANT_HOSTS: undefined,
          },
        });
        expect(result.status, result.stderr).to.equal(0);
        const topology = readTopology({ subnet });
        expect(result.stdout).to.equal(
          topology.hosts.map((host) => `${host.name} ${host.address}\n`).join('') +
            [`${topology.control}=control`, ...topology.hosts.map((h) => `${h.address}=${h.name}`)].join(
              ' ',
            ) +
            '\n',
        );
      }
    });
  });

  describe('the lab inventories', function () {
    for (const file of LAB_INVENTORY_FILES) {
      const name = file.slice(REPO.length + 1);
      it(`${name} is what lab/topology and its own options make`, function () {
        // On a change to lab/topology, write the generator's text to the file (and review it):
        //   npx tsx -e "import('./test/support/lab-inventory.ts').then((m) => m.writeLabInventories())"
        expect(readFileSync(file, 'utf8')).to.equal(generatedLabInventory(file));
      });

      it(`${name} names no address lab/topology does not`, function () {
        const topology = readTopology();
        const known = [topology.control, topology.vip, ...topology.hosts.map((host) => host.address)];
        const addresses = readFileSync(file, 'utf8').match(/\b\d{1,3}(\.\d{1,3}){3}\b/g) ?? [];
        expect(addresses).to.have.length.above(0);
        for (const address of addresses) expect(known, address).to.include(address);
      });
    }

    it('a scaled lab inventory lists the lab that came up, with the base options', function () {
      const dir = tempDir('lbprov-scaled-');
      const topology = readTopology({ realServers: 20 });
      const inventory = parse(
        readFileSync(writeScaledInventory(dir, topology.hosts, join(dir, 'scale.yaml')), 'utf8'),
      ) as {
        ssh: { identity_file: string };
        directors: { name: string; host: string; state: string }[];
        real_servers: { name: string; host: string; weight: number }[];
        verify: { client: string };
      };
      expect(inventory.ssh.identity_file).to.equal(join(dir, 'id_ed25519'));
      expect(inventory.directors.map((d) => `${d.name} ${d.host} ${d.state}`)).to.deep.equal([
        `lb1 ${topology.hosts[0]!.address} MASTER`,
        `lb2 ${topology.hosts[1]!.address} BACKUP`,
      ]);
      expect(inventory.real_servers.map((r) => `${r.name} ${r.host} real_server`)).to.deep.equal(
        topology.hosts.filter((h) => h.role === 'real_server').map((h) => `${h.name} ${h.address} ${h.role}`),
      );
      expect(inventory.verify.client).to.equal(topology.hosts.find((h) => h.role === 'client')!.address);
    });
  });
});
