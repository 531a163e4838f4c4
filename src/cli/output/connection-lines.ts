import type { HopConnection, HostConnection } from '../../inventory/index.js';
import type { SettingOrigin } from '../../model/inventory.js';
import { escapeUnprintable } from '../../util/printable.js';

const ROLE: Record<HostConnection['role'], string> = {
  director: 'director',
  real_server: 'real server',
  verify_client: 'verify client',
};

/** `lbprov validate --show-connections` for people: a line per host, then each value and its origin. */
export function connectionLines(connections: HostConnection[]): string[] {
  const config = connections.find((c) => c.ssh_config_file !== undefined)?.ssh_config_file;
  const lines = [
    `Connections, as the commands that connect dial them (OpenSSH config: ${config ?? 'none read'}):`,
    ...connections.flatMap(hostLines),
  ];
  // Paths and names come from files the user may not have written: shown as the diagnostics are.
  return lines.map(escapeUnprintable);
}

function hostLines(c: HostConnection): string[] {
  const said = (label: string, value: string, origin?: SettingOrigin) =>
    `    ${label.padEnd(16)} ${value}${origin === undefined ? '' : ` (${origin})`}`;
  const via = c.jump.length === 0 ? '' : ` via ${c.jump.map(dialled).join(', ')}`;
  return [
    `  ${c.host} (${ROLE[c.role]}): ${dialled(c)}${via}`,
    said('address', c.address, c.origin.address),
    said('user', c.user, c.origin.user),
    said('port', String(c.port), c.origin.port),
    said('identity file', c.identity_file ?? 'none: ssh-agent', c.origin.identity_file),
    said('known_hosts', c.known_hosts, c.origin.known_hosts),
    said('host key policy', c.host_key_policy, c.origin.host_key_policy),
    said('become', c.become ? 'yes: commands run as root through sudo' : 'no'),
    ...(c.jump.length === 0
      ? [said('jump hosts', 'none: dialled directly')]
      : [
          said('jump hosts', `${c.jump.length}, first hop first`, c.origin.jump),
          ...c.jump.map(
            (hop, index) =>
              `      ${index + 1}. ${dialled(hop)}${hop.name === hop.address ? '' : ` (${hop.name})`}, identity file ${hop.identity_file ?? 'none: ssh-agent'}`,
          ),
        ]),
  ];
}

function dialled(target: Pick<HopConnection, 'user' | 'address' | 'port'>): string {
  return `${target.user}@${target.address}:${target.port}`;
}
