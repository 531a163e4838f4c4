/**
 * Stopping and starting a service the way its host's init system does (SysV script or systemd),
 * never by signalling the process: a keepalived killed with -9 keeps the VIP, so the init system's
 * TERM is the only safe stop.
 */
type ServiceVerb = 'start' | 'stop';

/** `name` is one of lbprov's fixed service names (keepalived, redis-server, redis): no quoting needed. */
export function initCommand(name: string, verb: ServiceVerb): string {
  return `if [ -d /run/systemd/system ]; then systemctl ${verb} ${name}; elif command -v service >/dev/null 2>&1; then service ${name} ${verb}; else /etc/init.d/${name} ${verb}; fi`;
}

/** What an operator types to do the same by hand. */
export function initCommandByHand(name: string, verb: ServiceVerb): string {
  return `service ${name} ${verb} (or systemctl ${verb} ${name})`;
}

/** Prints the name Redis's service has on this host: Debian's redis-server, or Red Hat's redis. */
export const REDIS_SERVICE_NAME_COMMAND = [
  'for name in redis-server redis; do',
  '  if [ -x "/etc/init.d/$name" ] || { [ -d /run/systemd/system ] && systemctl cat "$name" >/dev/null 2>&1; }; then echo "$name"; exit 0; fi',
  'done',
  'echo "no redis-server or redis service (init script or systemd unit) on this host"; exit 1',
].join('\n');
