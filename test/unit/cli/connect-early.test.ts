import { expect } from 'chai';
import type { HostEntry, Inventory } from '../../../src/model/inventory.js';
import { connectEarly, type Session } from '../../../src/cli/session.js';
import { UnreachableError, type Transport } from '../../../src/transport/types.js';
import { SecretMasker } from '../../../src/util/mask.js';

/** A session whose connections are recorded: who was asked for, in order, and which were closed. */
function recordingSession(refusing: string[] = []) {
  const asked: string[] = [];
  const closed: string[] = [];
  const session: Session = {
    inventory: {} as Inventory,
    masker: new SecretMasker(),
    connect: async (entry, onHostKeyRecorded) => {
      asked.push(entry.name);
      onHostKeyRecorded?.(entry.name, `ssh-ed25519 SHA256:${entry.name}`);
      if (refusing.includes(entry.name))
        throw new UnreachableError(entry.name, 'connection refused', 'start sshd');
      return { host: entry.name, close: async () => void closed.push(entry.name) } as unknown as Transport;
    },
  };
  return { session, asked, closed };
}

const entry = (name: string) => ({ name, host: `${name}.example` }) as HostEntry;

describe('cli: connections started before the jobs are built (connectEarly)', () => {
  it('connects to the given hosts at once; the run takes those connections, and connects to the others itself', async () => {
    const { session, asked } = recordingSession();
    const early = connectEarly(session, [entry('rs1'), entry('rs2')]);
    expect(asked).to.deep.equal(['rs1', 'rs2']);
    const rs1 = await early.session.connect(entry('rs1'));
    expect((rs1 as unknown as { host: string }).host).to.equal('rs1');
    await early.session.connect(entry('lb1'));
    expect(asked).to.deep.equal(['rs1', 'rs2', 'lb1']);
  });

  it('hands the host keys recorded meanwhile to whoever takes the connection', async () => {
    const { session } = recordingSession();
    const early = connectEarly(session, [entry('rs1')]);
    const notes: string[] = [];
    await early.session.connect(entry('rs1'), (host, fingerprint) => notes.push(`${host} ${fingerprint}`));
    expect(notes).to.deep.equal(['rs1 ssh-ed25519 SHA256:rs1']);
  });

  it('a host that refuses fails when the run asks for it, with its host key notes, not before', async () => {
    const { session } = recordingSession(['rs1']);
    const early = connectEarly(session, [entry('rs1')]);
    await new Promise((resolve) => setImmediate(resolve));
    const notes: string[] = [];
    const failure = await early.session
      .connect(entry('rs1'), (host) => notes.push(host))
      .catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(UnreachableError);
    expect(notes).to.deep.equal(['rs1']);
  });

  it('closes the connections no run took, once', async () => {
    const { session, closed } = recordingSession(['rs3']);
    const early = connectEarly(session, [entry('rs1'), entry('rs2'), entry('rs3')]);
    await early.session.connect(entry('rs1'));
    await early.closeUnused();
    await early.closeUnused();
    expect(closed).to.deep.equal(['rs2']);
  });
});
