import { expect } from 'chai';
import { renderReadPortRedirect } from '../../../src/render/redis-check-redirect.js';
import { run } from './shell-run.js';

const redirect = renderReadPortRedirect(6380, 6379);

describe('renderReadPortRedirect', () => {
  it("redirects read_port to Redis's port, marked as lbprov's rule", () => {
    expect(redirect.apply).to.match(
      /&& iptables -t nat -I PREROUTING -p tcp --dport 6380 -m comment --comment lbprov-redis-read-port -j REDIRECT --to-ports 6379$/,
    );
  });

  describe('run in a private network namespace (needs root, unshare and iptables)', function () {
    before(function () {
      if (run('sh', ['-c', 'command -v iptables && command -v unshare']).status !== 0) this.skip();
    });

    it('check fails before apply and passes after; apply twice keeps one rule; undo removes it and check fails again', () => {
      const script = [
        `${redirect.check} 2>/dev/null; echo "before=$?"`,
        redirect.apply,
        redirect.apply,
        `${redirect.check}; echo "after=$?"`,
        `iptables -t nat -S PREROUTING | grep -c lbprov-redis-read-port`,
        `${redirect.absent}; echo "absent=$?"`,
        `(${redirect.undo}); echo "undo=$?"`,
        `${redirect.check} 2>/dev/null; echo "undone=$?"`,
        `${redirect.absent}; echo "absent=$?"`,
      ].join('\n');
      const result = run('unshare', ['--net', 'sh', '-c', script]);
      expect(result.stdout.trim().split('\n')).to.deep.equal([
        'before=1',
        'after=0',
        '1',
        'absent=1',
        'undo=0',
        'undone=1',
        'absent=0',
      ]);
    });

    it('a changed read_port replaces the rule of the earlier one, whose check then fails', () => {
      const earlier = renderReadPortRedirect(6390, 6379);
      const script = [
        earlier.apply,
        `${redirect.check} 2>/dev/null; echo "before=$?"`,
        redirect.apply,
        `${redirect.check}; echo "after=$?"`,
        `${earlier.check} 2>/dev/null; echo "earlier=$?"`,
        `iptables -t nat -S PREROUTING | grep -c -e '--dport 6390'`,
      ].join('\n');
      const result = run('unshare', ['--net', 'sh', '-c', script]);
      expect(result.stdout.trim().split('\n')).to.deep.equal(['before=1', 'after=0', 'earlier=1', '0']);
    });
  });
});
