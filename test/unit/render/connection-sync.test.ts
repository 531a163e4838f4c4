import { expect } from 'chai';
import { renderKeepalivedConf, type KeepalivedSyntax } from '../../../src/render/keepalived-conf.js';
import { director, seedInventory } from './fixtures.js';

/** The block that opens with `header` up to its closing brace, as keepalived reads it (no comments). */
function block(conf: string, header: string): string[] {
  const lines = conf.split('\n');
  const start = lines.indexOf(`${header} {`);
  const end = lines.indexOf('}', start);
  return lines
    .slice(start + 1, end)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function render(syntax: KeepalivedSyntax, connectionSync: boolean): string {
  const inv = { ...seedInventory, service: { ...seedInventory.service, connection_sync: connectionSync } };
  return renderKeepalivedConf(inv, director('BACKUP'), { authPass: '1111', syntax });
}

describe('keepalived.conf: IPVS connection sync (service.connection_sync)', () => {
  it('names the VRRP interface inside the instance before keepalived 1.2.20, where 1.2.0 reads it', () => {
    const conf = render('1.2', true);
    expect(block(conf, 'vrrp_instance VI_1')).to.include('lvs_sync_daemon_interface eth0');
    expect(block(conf, 'global_defs')).to.not.satisfy((lines: string[]) =>
      lines.some((line) => line.startsWith('lvs_sync_daemon')),
    );
  });

  it('puts lvs_sync_daemon with the instance in global_defs from 1.2.20 on, not the deprecated instance keyword', () => {
    const conf = render('2', true);
    expect(block(conf, 'global_defs')).to.include('lvs_sync_daemon eth0 VI_1');
    expect(conf).to.not.include('lvs_sync_daemon_interface');
  });

  for (const syntax of ['1.2', '2'] as const) {
    it(`writes no sync daemon when it is off (keepalived ${syntax} syntax)`, () => {
      expect(render(syntax, false)).to.not.include('lvs_sync_daemon');
    });
  }
});
