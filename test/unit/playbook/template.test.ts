import { expect } from 'chai';
import { fill, holds, TemplateError } from '../../../src/playbook/template.js';
import { DEBIAN } from '../steps/support.js';

const vars = {
  port: 6379,
  allow_vrrp_only: false,
  source_root: '/usr/local/src/lbprov',
  deps: { apt: ['gcc', 'make'], dnf: ['gcc'] },
  build: { what: 'ipvsadm 1.31', installs: ['/sbin/ipvsadm'] },
  redis: { manage: true, install: false },
  host: { name: 'lb1', state: 'MASTER' },
  empty: '',
  facts: DEBIAN,
};

describe('playbook: templates', () => {
  describe('fill', () => {
    const rows: { name: string; value: unknown; filled: unknown }[] = [
      { name: 'a whole-value list stays a list', value: '{{ deps.apt }}', filled: ['gcc', 'make'] },
      { name: 'a whole-value boolean stays a boolean', value: '{{ allow_vrrp_only }}', filled: false },
      { name: 'a whole-value number stays a number', value: '{{ port }}', filled: 6379 },
      { name: 'a whole-value map stays a map', value: '{{ build }}', filled: vars.build },
      { name: 'spaces inside the braces are optional', value: '{{port}}', filled: 6379 },
      { name: 'inline: the value as text', value: 'port {{ port }}', filled: 'port 6379' },
      {
        name: 'inline: several placeholders',
        value: '{{ host.name }} is {{ host.state }}',
        filled: 'lb1 is MASTER',
      },
      {
        name: 'inline: a boolean as text',
        value: 'vrrp only: {{ allow_vrrp_only }}',
        filled: 'vrrp only: false',
      },
      { name: 'inline: an empty string', value: '[{{ empty }}]', filled: '[]' },
      { name: 'a list element by index', value: '{{ deps.apt.1 }}', filled: 'make' },
      {
        name: 'maps and lists are filled all the way down',
        value: {
          run: 'mkdir -p {{ source_root }}',
          list: ['{{ port }}', 'x{{ port }}'],
          n: 3,
          ok: true,
          none: null,
        },
        filled: { run: 'mkdir -p /usr/local/src/lbprov', list: [6379, 'x6379'], n: 3, ok: true, none: null },
      },
      {
        name: 'text without placeholders is left alone',
        value: "awk '{ print $1 }'",
        filled: "awk '{ print $1 }'",
      },
      {
        name: 'a regexp with braces is not a placeholder',
        value: '^\\s{2}bind\\s',
        filled: '^\\s{2}bind\\s',
      },
    ];
    for (const row of rows) it(row.name, () => expect(fill(row.value, vars)).to.deep.equal(row.filled));

    const errors: { name: string; value: unknown; says: string }[] = [
      { name: 'an unknown variable', value: '{{ nope }}', says: 'unknown variable `nope`' },
      {
        name: 'an unknown key of a known map',
        value: 'x {{ host.address }}',
        says: 'unknown variable `host.address`',
      },
      {
        name: 'a path through a text value',
        value: '{{ host.name.first }}',
        says: 'unknown variable `host.name.first`',
      },
      { name: 'an index past the end of a list', value: '{{ deps.dnf.3 }}', says: 'unknown variable' },
      {
        name: 'a map inside text',
        value: 'build {{ build }}',
        says: '`build` is a list or map and cannot be placed inside text',
      },
      { name: 'a list inside text', value: 'apt-get install {{ deps.apt }}', says: 'is a list or map' },
      {
        name: 'an unknown variable deep inside a map',
        value: { a: [{ b: '{{ missing.x }}' }] },
        says: 'missing.x',
      },
    ];
    for (const row of errors) {
      it(`${row.name}: TemplateError`, () =>
        expect(() => fill(row.value, vars)).to.throw(TemplateError, row.says));
    }
  });

  describe('holds (when: conditions)', () => {
    const rows: { condition: string; holds: boolean }[] = [
      { condition: 'facts.init == systemd', holds: true },
      { condition: 'facts.init == sysv', holds: false },
      { condition: 'facts.osFamily != rhel', holds: true },
      { condition: 'facts.osFamily == rhel', holds: false },
      { condition: '  facts.init==systemd  ', holds: true },
      { condition: 'facts.networkScripts', holds: false },
      { condition: '!facts.networkScripts', holds: true },
      { condition: '! facts.networkScripts', holds: true },
      { condition: 'redis.manage', holds: true },
      { condition: 'redis.install', holds: false },
      { condition: 'allow_vrrp_only == false', holds: true },
      { condition: 'port == 6379', holds: true },
      { condition: 'empty', holds: false },
      { condition: 'facts.kernel == 6.1.0-18-amd64', holds: true },
    ];
    for (const row of rows) {
      it(`${JSON.stringify(row.condition)} -> ${row.holds}`, () =>
        expect(holds(row.condition, vars)).to.equal(row.holds));
    }

    const errors: { condition: string; says: string }[] = [
      { condition: 'facts.osfamily == rhel', says: 'unknown variable `facts.osfamily`' },
      { condition: '!redis.managed', says: 'unknown variable' },
      { condition: 'facts.init = systemd', says: 'cannot read the condition' },
      { condition: 'facts.init == systemd && redis.manage', says: 'cannot read the condition' },
      { condition: '', says: 'cannot read the condition' },
    ];
    for (const row of errors) {
      it(`${JSON.stringify(row.condition)}: TemplateError`, () =>
        expect(() => holds(row.condition, vars)).to.throw(TemplateError, row.says));
    }
  });
});
