// lbprov status's picture of the cluster: the VIP, who holds it, and each director's real servers
// as its IPVS table has them, drawn from the same events --json prints.
import { expect } from 'chai';
import type { DirectorLive, EngineEvent, LiveRealServer, StatusSummary } from '../../../src/engine/events.js';
import { EventLines, type StepEvent } from '../../../src/cli/output/event-lines.js';
import { jsonObjects } from './fixtures/render.js';

const VIP = '192.168.56.200';

function server(name: string, address: string, connections?: [number, number]): LiveRealServer {
  return {
    name,
    address,
    port: 6379,
    in_service: connections !== undefined,
    weight: connections ? 1 : null,
    active_connections: connections?.[0] ?? null,
    inactive_connections: connections?.[1] ?? null,
  };
}

function director(
  host: string,
  state: 'MASTER' | 'BACKUP',
  holds: boolean,
  servers: LiveRealServer[] | null,
): DirectorLive {
  return {
    type: 'live',
    host,
    state,
    keepalived: { running: true, detail: `keepalived runs (pid ${state === 'MASTER' ? 101 : 202})` },
    holds_vip: holds,
    ipvs: servers
      ? { available: true, table: '...' }
      : { available: false, table: 'this kernel has no IPVS' },
    real_servers: servers,
  };
}

const SUMMARY: StatusSummary = {
  type: 'status_summary',
  mode: 'status',
  converged: true,
  vip: VIP,
  drift: [],
  live_problems: [],
  hosts: { lb1: { ok: 20, changed: 0, failed: 0, unreachable: false } },
  flags: [],
  duration_ms: 900,
  exit_code: 0,
};

const EVENTS: Exclude<EngineEvent, StepEvent>[] = [
  director('lb1', 'MASTER', true, [server('rs1', '192.168.56.21', [3, 12]), server('rs2', '192.168.56.22')]),
  director('lb2', 'BACKUP', false, null),
  SUMMARY,
];

function picture(style: 'boxes' | 'ascii'): string[] {
  const lines = new EventLines(style);
  const all = EVENTS.flatMap((event) => lines.lines(event));
  const start = all.indexOf('Cluster now:');
  return all.slice(start, start + 8);
}

describe('status: the picture of the cluster', () => {
  it('on a terminal: the VIP, each director and its real servers with health, weight and connections', () => {
    expect(picture('boxes')).to.deep.equal([
      'Cluster now:',
      `  VIP ${VIP}: on lb1 (MASTER)`,
      '  ├─ lb1  MASTER  keepalived runs (pid 101); holds the VIP',
      '  │  ├─ rs1  192.168.56.21:6379  in service  weight 1  connections: 3 active, 12 inactive',
      '  │  └─ rs2  192.168.56.22:6379  OUT of service: not in the IPVS table (its health check fails)',
      '  └─ lb2  BACKUP  keepalived runs (pid 202); does not hold the VIP',
      '     └─ real servers: not provable here (this kernel has no IPVS)',
      '',
    ]);
  });

  it('piped: the same tree in ASCII', () => {
    const lines = picture('ascii');
    expect(lines[2]).to.equal('  |- lb1  MASTER  keepalived runs (pid 101); holds the VIP');
    expect(lines[4]).to.equal(
      '  |  `- rs2  192.168.56.22:6379  OUT of service: not in the IPVS table (its health check fails)',
    );
    expect(lines.join('\n')).not.to.match(/[├└│─]/);
  });

  it('--json carries the same facts: each real server per director, and the VIP in the summary', () => {
    const objects = jsonObjects(EVENTS);
    expect(objects[0]).to.deep.include({ type: 'live', host: 'lb1', holds_vip: true });
    expect((objects[0]!.real_servers as LiveRealServer[])[0]).to.deep.equal(
      server('rs1', '192.168.56.21', [3, 12]),
    );
    expect(objects[1]).to.deep.include({ real_servers: null });
    expect(objects.at(-1)).to.deep.include({ type: 'summary', vip: VIP, converged: true });
  });
});
