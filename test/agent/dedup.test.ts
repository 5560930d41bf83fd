// Proves keystrokes exactly once (DESIGN.md invariant 2) however many other clients come
// and go: the master remembers input for 256 client ids, and a client that stays attached
// is never forgotten, whatever the traffic; a client that left and whose id was forgotten
// meanwhile is told so with ERROR(INPUT_LOST) (at ATTACH_V2 in version 2, at its next
// INPUT in version 1) instead of having keys dropped or applied twice.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import {
  AgentConn,
  enc,
  ERR,
  FLAG_FROM_END,
  makeHome,
  randomClientId,
  type AgentHome,
} from '../support/agent';
import { pollFor } from '../support/proc';

let homes: AgentHome[] = [];
let conns: AgentConn[] = [];
afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await Promise.all(homes.map((h) => h.cleanup()));
  homes = [];
});

/** More client ids than the master remembers (PROTOCOL.md "Input deduplication": 256). */
const OTHERS = 300;

const key = (i: number): string => `key-${i}\n`;

/** A session that writes what it is typed to a file, without echo. */
async function typingSession(): Promise<{ h: AgentHome; id: string; file: string }> {
  const h = makeHome();
  homes.push(h);
  const file = path.join(h.root, 'typed.txt');
  const id = await h.newSession(['--', 'sh', '-c', `stty -echo; cat > ${file}`]);
  return { h, id, file };
}

async function sock(h: AgentHome, id: string): Promise<AgentConn> {
  const c = await AgentConn.socket(h, id);
  conns.push(c);
  return c;
}

/** OTHERS fresh client ids attach one after another, each types one key, and leaves. */
async function othersComeAndGo(h: AgentHome, id: string, version: 1 | 2): Promise<void> {
  for (let i = 0; i < OTHERS; i++) {
    const c = await AgentConn.socket(h, id);
    await c.attach({ clientId: randomClientId(), flags: FLAG_FROM_END, version });
    c.send(enc.input(1, `other-${i}\n`));
    await c.waitFor('its ack', (r) => r.type === 'ack');
    c.send(enc.detach());
    await c.closed;
  }
}

async function typedFile(file: string, last: string): Promise<string> {
  return pollFor('the typed lines in the file', () => {
    const t = existsSync(file) ? readFileSync(file, 'utf8') : '';
    return t.includes(last) ? t : undefined;
  });
}

function keysIn(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('key-'));
}

describe('input deduplication under many clients', () => {
  for (const version of [1, 2] as const) {
    it(`keeps an attached client's keystrokes exactly once while ${OTHERS} other ids come and go (version ${version})`, async () => {
      const { h, id, file } = await typingSession();
      const a = await sock(h, id);
      await a.attach({ clientId: randomClientId(), flags: FLAG_FROM_END, version });
      for (let i = 1; i <= 5; i++) a.send(enc.input(i, key(i)));
      await a.waitFor('ACK 5', (r) => r.type === 'ack' && r.seq === 5n);

      await othersComeAndGo(h, id, version);

      for (let i = 6; i <= 10; i++) a.send(enc.input(i, key(i)));
      const last = await a.waitFor(
        'ACK 10 or an error',
        (r) => r.type === 'error' || (r.type === 'ack' && r.seq === 10n),
        20_000,
      );
      expect(last).toMatchObject({ type: 'ack', seq: 10n });
      const text = await typedFile(file, key(10));
      expect(keysIn(text)).toEqual(Array.from({ length: 10 }, (_, i) => `key-${i + 1}`));
      expect(text.split('\n').filter((l) => l.startsWith('other-'))).toHaveLength(OTHERS);
    }, 60_000);
  }

  it('answers ATTACH_V2 under an id it forgot while away with INPUT_LOST, and applies nothing twice', async () => {
    const { h, id, file } = await typingSession();
    const clientId = randomClientId();
    const a = await sock(h, id);
    await a.attach({ clientId, flags: FLAG_FROM_END, version: 2 });
    for (let i = 1; i <= 5; i++) a.send(enc.input(i, key(i)));
    await a.waitFor('ACK 5', (r) => r.type === 'ack' && r.seq === 5n);
    a.send(enc.detach());
    await a.closed;

    await othersComeAndGo(h, id, 2);

    const back = await sock(h, id);
    back.send(enc.hello(1, 2), enc.attachV2(clientId, 0n, FLAG_FROM_END, 5n));
    const e = await back.waitFor('the answer', (r) => r.type === 'error' || r.type === 'attached');
    expect(e).toMatchObject({ type: 'error', code: ERR.INPUT_LOST });
    expect((e as { message: string }).message).toMatch(/no longer remembers.*new client id/);
    await back.closed;

    // As told, it carries on under a new id, numbering from 1.
    const fresh = await sock(h, id);
    const att = await fresh.attach({
      clientId: randomClientId(),
      flags: FLAG_FROM_END,
      version: 2,
    });
    expect(att.inputAcked).toBe(0n);
    fresh.send(enc.input(1, key(6)));
    await fresh.waitFor('ACK 1', (r) => r.type === 'ack' && r.seq === 1n);
    const text = await typedFile(file, key(6));
    expect(keysIn(text)).toEqual(['key-1', 'key-2', 'key-3', 'key-4', 'key-5', 'key-6']);
  }, 60_000);

  it('answers a version 1 client whose id it forgot with INPUT_LOST at its next INPUT', async () => {
    const { h, id, file } = await typingSession();
    const clientId = randomClientId();
    const a = await sock(h, id);
    await a.attach({ clientId, flags: FLAG_FROM_END });
    for (let i = 1; i <= 3; i++) a.send(enc.input(i, key(i)));
    await a.waitFor('ACK 3', (r) => r.type === 'ack' && r.seq === 3n);
    a.close();
    await a.closed;

    await othersComeAndGo(h, id, 1);

    const back = await sock(h, id);
    const att = await back.attach({ clientId, flags: FLAG_FROM_END });
    expect(att.inputAcked).toBe(0n); // lower than the 3 it was told: it was forgotten
    back.send(enc.input(4, key(4)));
    const e = await back.waitFor('the error', (r) => r.type === 'error');
    expect(e).toMatchObject({ code: ERR.INPUT_LOST });
    await back.closed;
    const text = await typedFile(file, key(3));
    expect(keysIn(text)).toEqual(['key-1', 'key-2', 'key-3']);
  }, 60_000);
});
