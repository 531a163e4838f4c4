/**
 * redis.read_port under LVS-DR (and TUN): the director forwards the client's packet unchanged, so
 * it reaches the real server addressed to VIP:read_port, and Redis listens on one port only
 * (redis.conf's `port` takes one value). The real server hands read_port to Redis's port with a
 * NAT REDIRECT in PREROUTING, which sees only packets arriving from other hosts; conntrack turns
 * the answers back into VIP:read_port. Not limited to the VIP: the director's health check
 * connects to <real server>:read_port too, and so proves the redirect as well as the role.
 *
 * The real-server playbook runs these as one command step (after the VIP is on lo), needs the
 * iptables package (iptables-nft drives nftables on current hosts), and re-applies it at boot from
 * lbprov's real-server script, since live rules do not survive a reboot.
 */
export interface ReadPortRedirect {
  /** Succeeds when this rule, and no other of lbprov's, is in place (the step's `unless`). */
  check: string;
  /** Replaces any rule of lbprov's (an earlier read_port's) with this one. */
  apply: string;
  /** Removes every rule of lbprov's, whatever its ports; succeeds when there is none. */
  undo: string;
  /** Succeeds when no rule of lbprov's is in place (a host whose inventory dropped read_port). */
  absent: string;
}

/** Marks lbprov's rule, so undo removes it and only it. */
export const READ_PORT_RULE_COMMENT = 'lbprov-redis-read-port';

function rule(readPort: string, redisPort: string): string {
  return `PREROUTING -p tcp --dport ${readPort} -m comment --comment ${READ_PORT_RULE_COMMENT} -j REDIRECT --to-ports ${redisPort}`;
}

const LIST_OURS = `iptables -t nat -S PREROUTING 2>/dev/null | grep -F -e ${READ_PORT_RULE_COMMENT}`;

/**
 * Each of lbprov's rules is deleted by the spec lbprov writes, with the ports read back from
 * `iptables -S` (which may print the comment quoted, so its lines are not replayed as they are).
 */
const REMOVE_OURS = [
  `${LIST_OURS} | sed -n 's/.*--dport \\([0-9]*\\).*--to-ports \\([0-9]*\\).*/\\1 \\2/p' |`,
  `  while read -r lbp_from lbp_to; do iptables -t nat -D ${rule('"$lbp_from"', '"$lbp_to"')} || exit 1; done`,
].join('\n');

/** `readPort` and `redisPort` are validated ports (numbers), so the command needs no quoting. */
export function renderReadPortRedirect(readPort: number, redisPort: number): ReadPortRedirect {
  const ours = rule(String(readPort), String(redisPort));
  return {
    check: `[ "$(${LIST_OURS} -c)" = 1 ] && iptables -t nat -C ${ours} 2>/dev/null`,
    apply: `{\n${REMOVE_OURS}\n} && iptables -t nat -I ${ours}`,
    undo: REMOVE_OURS,
    absent: `! ${LIST_OURS} -q`,
  };
}
