import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPlaybookVars, loadPlaybook, playbookPath, PlaybookError } from '../../../src/playbook/load.js';

const BASE = `
role: director
description: a test playbook
steps:
  - id: conf
    name: keepalived.conf for {{ host.state }}
    module: file
    args: { path: "{{ keepalived.conf_path }}", content: "{{ keepalived.conf }}" }
    when: ["facts.osFamily != rhel", "!allow_vrrp_only"]
    skip_reason: not a Debian host ({{ host.interface }} keeps its VIP)
    notify: [restart]
  - id: deps
    name: Build dependencies, {{ build_dependencies.apt.0 }} first
    module: package
    args: { apt: "{{ build_dependencies.apt }}", dnf: "{{ build_dependencies.dnf }}" }
  - id: build
    name: keepalived built
    module: build
    args: "{{ keepalived.build }}"
  - id: link
    name: /usr/sbin/keepalived
    module: command
    args:
      description: link
      run: >-
        if [ -e /usr/sbin/keepalived ]; then exit 0; fi;
        ln -sfn {{ keepalived.binary }} /usr/sbin/keepalived
handlers:
  - id: restart
    name: Restart keepalived
    module: service
    args: { name: keepalived, process: keepalived, pidfile: "{{ keepalived.pid_file }}", state: restarted }
`;

/** Where `written` starts in `text`, as the loader reports it. */
function position(text: string, written: string): string {
  const offset = text.indexOf(written);
  if (offset < 0) throw new Error(`test bug: ${written} is not in the playbook`);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1) ?? '').length + 1}`;
}

describe('playbook: variables checked against the role', () => {
  it('a playbook naming only its role’s variables passes (lists by index, facts in conditions)', () =>
    expect(() => checkPlaybookVars(BASE, 'test.yaml', 'director')).not.to.throw());

  const rows: { name: string; edit: [string, string]; at: string; says: string }[] = [
    {
      name: 'a misspelt variable in arguments, with the closest name',
      edit: ['{{ keepalived.conf_path }}', '{{ keepalived.conf_pth }}'],
      at: '{{ keepalived.conf_pth }}',
      says: 'step conf: unknown variable `keepalived.conf_pth` (did you mean `keepalived.conf_path`?)',
    },
    {
      name: 'in a step name',
      edit: ['{{ host.state }}', '{{ host.sate }}'],
      at: '{{ host.sate }}',
      says: 'step conf: unknown variable `host.sate` (did you mean `host.state`?)',
    },
    {
      name: 'in a skip reason',
      edit: ['{{ host.interface }}', '{{ host.interfaces }}'],
      at: '{{ host.interfaces }}',
      says: 'step conf: unknown variable `host.interfaces` (did you mean `host.interface`?)',
    },
    {
      name: 'in a when: condition',
      edit: ['"!allow_vrrp_only"', '"!allow_vrrp_onyl"'],
      at: '"!allow_vrrp_onyl"',
      says: 'step conf: unknown variable `allow_vrrp_onyl` (did you mean `allow_vrrp_only`?)',
    },
    {
      name: 'in a handler',
      edit: ['{{ keepalived.pid_file }}', '{{ keepalived.pidfile }}'],
      at: '{{ keepalived.pidfile }}',
      says: 'step restart: unknown variable `keepalived.pidfile` (did you mean `keepalived.pid_file`?)',
    },
    {
      name: 'on its own line inside a folded block',
      edit: ['{{ keepalived.binary }}', '{{ keepalived.binaries }}'],
      at: '{{ keepalived.binaries }}',
      says: 'step link: unknown variable `keepalived.binaries` (did you mean `keepalived.binary`?)',
    },
    {
      name: 'a path through a single value',
      edit: ['{{ host.state }}', '{{ host.state.name }}'],
      at: '{{ host.state.name }}',
      says: 'step conf: unknown variable `host.state.name`',
    },
    {
      name: 'host facts outside a condition (only conditions read them)',
      edit: ['{{ host.interface }}', '{{ facts.osFamily }}'],
      at: '{{ facts.osFamily }}',
      says: 'step conf: `facts.osFamily`: host facts are read only by when: conditions',
    },
    {
      name: 'a list inside text',
      edit: ['{{ build_dependencies.apt.0 }}', '{{ build_dependencies.apt }}'],
      at: '{{ build_dependencies.apt }}',
      says: 'step deps: `build_dependencies.apt` is a list and cannot be placed inside text',
    },
    {
      name: 'a map inside text',
      edit: ['name: keepalived built', 'name: keepalived built ({{ keepalived.build }})'],
      at: '{{ keepalived.build }}',
      says: 'step build: `keepalived.build` is a map and cannot be placed inside text',
    },
    {
      name: 'an unreadable condition',
      edit: ['"facts.osFamily != rhel"', '"facts.osFamily = rhel"'],
      at: '"facts.osFamily = rhel"',
      says: 'step conf: cannot read the condition `facts.osFamily = rhel` (use path, !path, path == word or path != word)',
    },
  ];
  for (const row of rows) {
    it(`${row.name}: PlaybookError with file:line:column`, () => {
      const text = BASE.replace(row.edit[0], row.edit[1]);
      expect(text, 'the edit applies').not.to.equal(BASE);
      expect(() => checkPlaybookVars(text, 'test.yaml', 'director'))
        .to.throw(PlaybookError)
        .with.property('message')
        .that.equals(`test.yaml:${position(text, row.at)}: ${row.says}`);
    });
  }

  it('a name nothing resembles gets no suggestion', () =>
    expect(() =>
      checkPlaybookVars(BASE.replace('{{ host.state }}', '{{ weather }}'), 'test.yaml', 'director'),
    )
      .to.throw(PlaybookError)
      .with.property('message')
      .that.matches(/unknown variable `weather`$/));

  it("a role's own variables: a director's are unknown to a real server, each one reported", () => {
    const problems = () => checkPlaybookVars(BASE, 'rs.yaml', 'real_server');
    expect(problems).to.throw(PlaybookError, /^rs\.yaml:6:\d+: step conf: unknown variable `host\.state`/);
    for (const name of [
      'keepalived.conf_path',
      'allow_vrrp_only',
      'build_dependencies.apt',
      'keepalived.pid_file',
    ])
      expect(problems).to.throw(`unknown variable \`${name}\``);
  });
});

describe('playbook: loading checks the variables', () => {
  for (const role of ['director', 'real_server'] as const) {
    it(`the shipped ${role} playbook names only variables its role provides`, () =>
      loadPlaybook(playbookPath(role)));
  }

  it('a misspelt variable fails the load with the file, line, column and name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbprov-playbook-'));
    try {
      const file = join(dir, 'real-server.yaml');
      const text = readFileSync(playbookPath('real_server'), 'utf8').replace(
        'line: "{{ redis.bind }}"',
        'line: "{{ redis.bnd }}"',
      );
      writeFileSync(file, text);
      let failure: unknown;
      await loadPlaybook(file).catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(PlaybookError);
      expect((failure as Error).message).to.equal(
        `${file}:${position(text, '{{ redis.bnd }}')}: step redis-bind: unknown variable \`redis.bnd\` (did you mean \`redis.bind\`?)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
