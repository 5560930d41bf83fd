// Proves that the SSH socket's packets written in one tick leave in one writev (one
// syscall, fewer TCP segments) and arrive whole and in order, and that a later tick's
// write is not held back.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../main/engine/ssh/coalesceWrites';

type Spied = net.Socket & {
  _write: (...a: unknown[]) => void;
  _writev: (chunks: { chunk: Buffer }[], cb: (e?: Error) => void) => void;
};

const open: (net.Server | net.Socket)[] = [];
afterEach(() => {
  for (const o of open.splice(0)) {
    if (o instanceof net.Socket) o.destroy();
    else o.close();
  }
});

async function pair(): Promise<{ client: Spied; received: () => Buffer }> {
  const got: Buffer[] = [];
  const server = net.createServer((s) => s.on('data', (d: Buffer) => got.push(d)));
  open.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1') as Spied;
  open.push(client);
  await new Promise((r) => client.once('connect', r));
  return { client, received: () => Buffer.concat(got) };
}

describe('coalesceWrites', () => {
  it("sends one tick's packets in one writev, whole and in order, and the next tick's at once", async () => {
    const { client, received } = await pair();
    coalesceWrites(client);
    const writes: number[] = [];
    const w = client._write.bind(client);
    const wv = client._writev.bind(client);
    client._write = (...a: unknown[]) => (writes.push(1), w(...a));
    client._writev = (chunks, cb) => (writes.push(chunks.length), wv(chunks, cb));

    const packets = [Buffer.alloc(32768, 1), Buffer.alloc(32768, 2), Buffer.alloc(100, 3)];
    for (const p of packets) client.write(p);
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([3]);

    client.write(Buffer.from('later'));
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([3, 1]);

    const want = Buffer.concat([...packets, Buffer.from('later')]);
    const deadline = Date.now() + 5000;
    while (received().length < want.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(received().equals(want)).toBe(true);
  });
});
