import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  formatBuildPlan,
  installedVersionCheck,
  ipvsadmBuildPlan,
  keepalivedBuildPlan,
  outputMeets,
  parseKeepalivedVersion,
  type BuildPlan,
  type OutputExpectation,
} from '../../../src/render/build-recipes.js';
import { expectGolden } from './golden.js';

const KEEPALIVED_2_2_7_V = `Keepalived v2.2.7 (01/16,2022)

Copyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>

Built with kernel headers for Linux 5.19.11
Running on Linux 6.1.0-21-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.90-1 (2024-05-03)
Distro: Debian GNU/Linux 12 (bookworm)

configure options: --prefix=/usr/local/keepalived --with-init=SYSV

Config options:  LVS VRRP VRRP_AUTH VRRP_VMAC OLD_CHKSUM_COMPAT INIT=SYSV

System options:  VSYSLOG MEMFD_CREATE IPV4_DEVCONF LIBNL3 RTA_ENCAP LIBIPVS_NETLINK
`;

const KEEPALIVED_1_2_0_V = 'Keepalived v1.2.0 (05/31,2010)\n';

function keepalived(version: string): BuildPlan {
  return keepalivedBuildPlan({
    version,
    prefix: '/usr/local/keepalived',
    srcDir: `/usr/local/src/keepalived-${version}`,
  });
}

function ipvsadm(version: string): BuildPlan {
  return ipvsadmBuildPlan({ version, srcDir: `/usr/local/src/ipvsadm-${version}` });
}

function configureExpectation(plan: BuildPlan): OutputExpectation {
  const expectation = plan.steps.find((step) => step.name === 'configure')?.expectOutput;
  if (!expectation) throw new Error('no configure expectation');
  return expectation;
}

describe('build plans', () => {
  for (const version of ['1.2.0', '2.2.7']) {
    it(`keepalived ${version} matches the golden file`, () =>
      expectGolden(`build-keepalived-${version}.txt`, formatBuildPlan(keepalived(version))));
  }
  it('keepalived 2.2.7 in a prefix of its own (the prebuilt Vagrant box keeps it beside 1.2.0) matches the golden file', () =>
    expectGolden(
      'build-keepalived-2.2.7-own-prefix.txt',
      formatBuildPlan(
        keepalivedBuildPlan({
          version: '2.2.7',
          prefix: '/usr/local/keepalived-2.2.7',
          srcDir: '/usr/local/src/keepalived-2.2.7',
        }),
      ),
    ));
  for (const version of ['1.26', '1.31']) {
    it(`ipvsadm ${version} matches the golden file`, () =>
      expectGolden(`build-ipvsadm-${version}.txt`, formatBuildPlan(ipvsadm(version))));
  }

  it('keepalived 1.2.0 gets the net/ip_vs.h shim and configure finds it through CPPFLAGS', () => {
    const steps = keepalived('1.2.0').steps;
    const shim = steps.find((step) => step.name === 'net/ip_vs.h shim');
    const configure = steps.find((step) => step.name === 'configure');
    expect(shim?.command).to.include("'/usr/local/src/keepalived-1.2.0/lbprov-include/net/ip_vs.h'");
    expect(configure?.command).to.include(
      "CPPFLAGS='-I/usr/local/src/keepalived-1.2.0/lbprov-include' ./configure",
    );
  });

  // Each source patch, applied to the how-to's own tarball as the build would, then again.
  const keepalived120 = (srcDir: string) =>
    keepalivedBuildPlan({ version: '1.2.0', prefix: '/usr/local/keepalived', srcDir });
  const patches = [
    {
      what: "keepalived 1.2.0's VRRP advert length (adverts without their password)",
      tarball: 'keepalived-1.2.0.tar.gz',
      file: 'keepalived-1.2.0/keepalived/vrrp/vrrp.c',
      plan: keepalived120,
      step: 'VRRP advert length fix',
      before: [
        '\t\tlen += VRRP_AUTH_LEN + (!LIST_ISEMPTY(vrrp->vip)) ? LIST_SIZE(vrrp->vip) * sizeof (uint32_t) : 0;',
      ],
      after: [
        '\t\tlen += VRRP_AUTH_LEN + ((!LIST_ISEMPTY(vrrp->vip)) ? LIST_SIZE(vrrp->vip) * sizeof (uint32_t) : 0);',
      ],
    },
    {
      what: "keepalived 1.2.0's stop (sockets closed before the priority-0 advert)",
      tarball: 'keepalived-1.2.0.tar.gz',
      file: 'keepalived-1.2.0/keepalived/vrrp/vrrp_daemon.c',
      plan: keepalived120,
      step: 'VRRP stop advert fix',
      // stop_vrrp, then reload_vrrp_thread, which must keep closing its sockets first.
      before: [
        '\tfree_vrrp_sockpool(vrrp_data);',
        '\t\tshutdown_vrrp_instances();',
        '\tfree_vrrp_sockpool(vrrp_data);',
      ],
      after: [
        '\t\tshutdown_vrrp_instances();',
        '\tfree_vrrp_sockpool(vrrp_data);',
        '\tfree_vrrp_sockpool(vrrp_data);',
      ],
    },
    {
      what: "ipvsadm 1.26's persistence-engine check (every service command refused without libnl)",
      tarball: 'ipvsadm-1.26.tar.gz',
      file: 'ipvsadm-1.26/libipvs/libipvs.c',
      plan: (srcDir: string) => ipvsadmBuildPlan({ version: '1.26', srcDir }),
      step: 'persistence-engine check fix',
      before: ['#define CHECK_PE(s, ret) if (s->pe_name)\t\t\t\\'],
      after: ['#define CHECK_PE(s, ret) if (s->pe_name[0])\t\t\t\\'],
    },
  ];
  for (const patch of patches) {
    describe(patch.what, () => {
      const changedLines = (path: string) => {
        const expected = new Set([...patch.before, ...patch.after]);
        return readFileSync(path, 'utf8')
          .split('\n')
          .filter((text) => expected.has(text));
      };
      let work: string;
      beforeEach(() => {
        work = mkdtempSync(join(tmpdir(), 'lbprov-patch-'));
        execFileSync('tar', ['-xzf', resolve('lab/sources', patch.tarball), '-C', work, patch.file]);
      });
      afterEach(() => rmSync(work, { recursive: true, force: true }));
      const run = () => {
        const step = patch
          .plan(join(work, patch.file.split('/')[0]!))
          .steps.find((s) => s.name === patch.step);
        return spawnSync('sh', ['-c', step!.command], { encoding: 'utf8' });
      };

      it("patches the how-to's tarball", () => {
        expect(changedLines(join(work, patch.file))).to.deep.equal(patch.before);
        expect(run().status).to.equal(0);
        expect(changedLines(join(work, patch.file))).to.deep.equal(patch.after);
      });

      it('leaves an already patched source as it is (a re-run, or a later release)', () => {
        run();
        const once = readFileSync(join(work, patch.file), 'utf8');
        expect(run().status).to.equal(0);
        expect(readFileSync(join(work, patch.file), 'utf8')).to.equal(once);
        expect(
          readdirSync(dirname(join(work, patch.file))).filter((name) => /\.(orig|rej)$/.test(name)),
        ).to.deep.equal([]);
      });

      it('fails, changing nothing, on a source the patch does not fit', () => {
        const path = join(work, patch.file);
        const altered = readFileSync(path, 'utf8').replace(
          patch.before[0]!,
          `${patch.before[0]!} /* local change */`,
        );
        writeFileSync(path, altered);
        const result = run();
        expect(result.status).to.not.equal(0);
        expect(readFileSync(path, 'utf8')).to.equal(altered);
      });
    });
  }

  it('keepalived 2.2.7 needs no shim', () => {
    expect(keepalived('2.2.7').steps.map((step) => step.name)).to.deep.equal([
      'configure',
      'make',
      'make install',
    ]);
  });

  describe('the configure check refuses a VRRP-only build (defect 10)', () => {
    const expectation = configureExpectation(keepalived('2.2.7'));
    it('accepts the summary of a build with LVS', () => {
      expect(
        outputMeets(expectation, 'Use IPVS Framework       : Yes\nIPVS use libnl            : Yes\n'),
      ).to.equal(true);
    });
    it('refuses the summary of a VRRP-only build', () => {
      expect(
        outputMeets(expectation, 'Use IPVS Framework       : No\nUse VRRP Framework       : Yes\n'),
      ).to.equal(false);
    });
  });

  it('quotes every path that reaches the shell', () => {
    for (const step of keepalived('1.2.0').steps)
      expect(step.command).to.match(/'\/usr\/local\/src\/keepalived-1\.2\.0[^']*'/);
    expect(keepalived('2.2.7').steps[0]?.command).to.include(
      " ./configure --prefix='/usr/local/keepalived' ",
    );
  });

  for (const path of ["/opt/it's here", '/tmp/$(reboot)', 'relative/dir', '/a\nb']) {
    it(`refuses a path the build's Makefiles would break on: ${JSON.stringify(path)}`, () => {
      expect(() =>
        keepalivedBuildPlan({ version: '2.2.7', prefix: path, srcDir: '/usr/local/src/k' }),
      ).to.throw(/keepalived prefix must be an absolute path/);
      expect(() => ipvsadmBuildPlan({ version: '1.31', srcDir: path })).to.throw(/ipvsadm source directory/);
    });
  }

  it('verifies keepalived by version and LVS support', () => {
    const [versionCheck, lvsCheck] = keepalived('2.2.7').verify.expect;
    if (!versionCheck || !lvsCheck) throw new Error('two expectations expected');
    expect(outputMeets(versionCheck, KEEPALIVED_2_2_7_V)).to.equal(true);
    expect(outputMeets(lvsCheck, KEEPALIVED_2_2_7_V)).to.equal(true);
    expect(outputMeets(lvsCheck, KEEPALIVED_2_2_7_V.replace('LVS ', ''))).to.equal(false);
    expect(outputMeets(versionCheck, KEEPALIVED_2_2_7_V.replace('v2.2.7', 'v2.2.8'))).to.equal(false);
  });

  it('verifies ipvsadm by the version string in its binary, as ipvsadm --version needs IPVS', () => {
    const plan = ipvsadm('1.31');
    expect(plan.verify.command).not.to.include('--version');
    const [versionCheck] = plan.verify.expect;
    if (!versionCheck) throw new Error('one expectation expected');
    expect(outputMeets(versionCheck, 'ipvsadm v1.31 \n')).to.equal(true);
    expect(outputMeets(versionCheck, 'ipvsadm v1.26 \n')).to.equal(false);
  });

  it('ipvsadm 1.26 builds without libnl-1, 1.31 with libnl-3', () => {
    const makes = ipvsadm('1.26').steps.filter((step) => step.name.startsWith('make'));
    expect(makes.map((step) => step.command)).to.deep.equal([
      "cd '/usr/local/src/ipvsadm-1.26' && make HAVE_NL=0 POPT_LIB=-lpopt",
      "cd '/usr/local/src/ipvsadm-1.26' && make HAVE_NL=0 POPT_LIB=-lpopt install",
    ]);
    expect(ipvsadm('1.31').buildDependencies.apt).to.include.members([
      'libnl-3-dev',
      'libnl-genl-3-dev',
      'pkg-config',
    ]);
  });
});

describe('parseKeepalivedVersion', () => {
  it('reads version and LVS from keepalived 2.2.7 -v', () => {
    expect(parseKeepalivedVersion(KEEPALIVED_2_2_7_V)).to.deep.equal({ version: '2.2.7', lvs: true });
  });

  it('sees a VRRP-only 2.2.7 build', () => {
    const vrrpOnly = KEEPALIVED_2_2_7_V.replace('Config options:  LVS ', 'Config options:  ');
    expect(parseKeepalivedVersion(vrrpOnly)).to.deep.equal({ version: '2.2.7', lvs: false });
  });

  it('reads the version of keepalived 1.2.0, which does not list its build options', () => {
    expect(parseKeepalivedVersion(KEEPALIVED_1_2_0_V)).to.deep.equal({ version: '1.2.0', lvs: 'unknown' });
  });

  it("takes LVS support of 1.2.0 from the check command's probe line", () => {
    expect(parseKeepalivedVersion(`${KEEPALIVED_1_2_0_V}lbprov-probe: lvs=yes\n`)).to.deep.equal({
      version: '1.2.0',
      lvs: true,
    });
    expect(parseKeepalivedVersion(`${KEEPALIVED_1_2_0_V}lbprov-probe: lvs=no\n`)).to.deep.equal({
      version: '1.2.0',
      lvs: false,
    });
  });

  it('prefers the build options of 2.x over the probe line', () => {
    expect(parseKeepalivedVersion(`${KEEPALIVED_2_2_7_V}lbprov-probe: lvs=no\n`)?.lvs).to.equal(true);
  });

  it('returns undefined when keepalived is not installed', () => {
    const missing = 'sh: 1: /usr/local/keepalived/sbin/keepalived: not found\nlbprov-probe: lvs=no\n';
    expect(parseKeepalivedVersion(missing)).to.equal(undefined);
  });
});

describe('installedVersionCheck', () => {
  it('runs -v with stderr captured (keepalived prints its version there) and probes for LVS', () => {
    const check = installedVersionCheck('/usr/local/keepalived');
    expect(check.command).to.equal(
      "'/usr/local/keepalived/sbin/keepalived' -v 2>&1; " +
        "if grep -q -a -F TCP_CHECK '/usr/local/keepalived/sbin/keepalived' 2>/dev/null; " +
        "then echo 'lbprov-probe: lvs=yes'; else echo 'lbprov-probe: lvs=no'; fi",
    );
    expect(check.parse).to.equal(parseKeepalivedVersion);
  });
});
