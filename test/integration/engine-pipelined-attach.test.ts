// Attaching in the same breath as HELLO (one round trip fewer on every resume): against
// the real agent through sshd and the fault proxy, keystrokes still apply exactly once
// across resets; and a master older than expected (built to speak version 1 only) makes
// the client fall back to the serial handshake and attach all the same.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, isAgentFrame } from '../../main/engine/protocol/frames';
import { ResumeState, type ResumeAction } from '../../main/engine/protocol/resume';
import { makeHome, REPO } from '../support/agent';
import { destinationOf, TabRecorder, testEngine } from '../support/engineHarness';
import { startFaultProxyFor, type FaultProxy } from '../support/faultProxy';
import { pollFor } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';

describe('attach pipelined with HELLO, through sshd and the fault proxy', () => {
  let sshd: Sshd;
  let proxy: FaultProxy;
  beforeAll(async () => {
    sshd = await startSshd({ label: 'pipelined' });
    proxy = await startFaultProxyFor(sshd);
  });
  afterAll(async () => {
    await proxy?.close();
    await sshd?.stop();
  });

  it('resumes through resets, each resume made by the master on the resume socket, each keystroke once', async () => {
    const { engine, logs } = testEngine({ keepalive: { intervalMs: 500, countMax: 3 } });
    try {
      const tab = engine.openTab({
        ...destinationOf(sshd, { port: proxy.port }),
        cols: 80,
        rows: 24,
        command: ['stty -echo; while read l; do echo "got:$l"; done'],
      });
      const rec = new TabRecorder(tab);
      await rec.waitState('connected', 30_000);
      for (let i = 1; i <= 4; i++) {
        // Typed, then the connection is reset at once: the key may or may not have
        // reached the agent; after the resume it must be applied exactly once.
        tab.write(Buffer.from(`k${i}\n`));
        await proxy.reset();
        await rec.waitFor(`got:k${i}`, 30_000);
      }
      for (let i = 1; i <= 4; i++) expect(rec.text.split(`got:k${i}`).length - 1).toBe(1);
      expect(rec.gaps).toEqual([]);
      // The first attach goes with HELLO; each resume is made by the master itself, on the
      // tab's resume socket (protocol 5), so a key caught by a reset is still applied once.
      const pipelined = logs.filter((l) => /attached \(protocol 5, with HELLO\)/.test(l));
      const pushed = logs.filter((l) => /attached \(protocol 5, by its resume socket\)/.test(l));
      expect(pipelined.length).toBeGreaterThanOrEqual(1);
      expect(pushed.length, logs.join('\n')).toBeGreaterThanOrEqual(4);
      await tab.kill();
    } finally {
      engine.dispose();
    }
  }, 120_000);
});

describe('attach pipelined with HELLO, against a real master', () => {
  let buildDir: string;
  let v1Agent: string;
  beforeAll(() => {
    // The same sources built to speak protocol 1 only: an older master than expected.
    buildDir = mkdtempSync(path.join(tmpdir(), 'hf-v1-'));
    const r = spawnSync(
      'make',
      [
        '-s',
        '-C',
        path.join(REPO, 'remote-agent'),
        `BUILD=${buildDir}`,
        'CFLAGS=-O2 -DHF_PROTO_MAX=1',
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (r.status !== 0) throw new Error(`building a version 1 agent failed: ${r.stderr}`);
    v1Agent = path.join(buildDir, 'holdfast-agent');
  }, 300_000);
  afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

  /** One link on the session's socket, driven by `state` until `until` holds. */
  async function link(
    sock: string,
    state: ResumeState,
    until: (acts: ResumeAction[]) => boolean,
  ): Promise<ResumeAction[]> {
    const s = net.connect(sock);
    const decoder = new FrameDecoder();
    const seen: ResumeAction[] = [];
    const run = (acts: ResumeAction[]) => {
      seen.push(...acts);
      // Everything sent at once goes out in one write: the frames arrive back to back.
      const out = acts.flatMap((a) => (a.type === 'send' ? [encodeFrame(a.frame)] : []));
      if (out.length) s.write(Buffer.concat(out));
    };
    s.on('data', (d: Buffer) => {
      for (const f of decoder.push(d).frames) if (isAgentFrame(f)) run(state.receive(f));
    });
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.on('connect', () => r()));
    run(state.begin('pipelined-test'));
    await Promise.race([
      pollFor('the expected frames', () => until(seen), 10_000, 5),
      closed.then(() => {
        if (!until(seen))
          throw new Error(`link closed; got ${JSON.stringify(seen.map((a) => a.type))}`);
      }),
    ]);
    s.destroy();
    state.linkLost();
    return seen;
  }

  const output = (acts: ResumeAction[]) =>
    Buffer.concat(acts.flatMap((a) => (a.type === 'output' ? [a.data] : []))).toString();

  it('a current master takes HELLO and ATTACH_V2 in one write and streams output', async () => {
    const home = makeHome();
    try {
      const id = await home.newSession(['--', 'sh', '-c', 'echo hello-v4; sleep 30']);
      const state = new ResumeState();
      state.expectVersion(5);
      const acts = await link(home.socketPath(id), state, (a) => output(a).includes('hello-v4'));
      expect(acts.find((a) => a.type === 'attached')).toMatchObject({
        info: { version: 5, pipelined: true },
      });
    } finally {
      await home.cleanup();
    }
  });

  it('a master that speaks only version 1 is attached the serial way after one refusal', async () => {
    const home = makeHome();
    const before = process.env.HOLDFAST_AGENT_BIN;
    process.env.HOLDFAST_AGENT_BIN = v1Agent;
    try {
      const id = await home.newSession(['--', 'sh', '-c', 'echo hello-v1; sleep 30']);
      const state = new ResumeState();
      state.expectVersion(3); // wrong on purpose: the master is older
      const first = await link(home.socketPath(id), state, (a) =>
        a.some((x) => x.type === 'link-error'),
      );
      expect(first.some((a) => a.type === 'attached' || a.type === 'refused')).toBe(false);
      const second = await link(home.socketPath(id), state, (a) => output(a).includes('hello-v1'));
      expect(second.find((a) => a.type === 'attached')).toMatchObject({
        info: { version: 1, pipelined: false },
      });
    } finally {
      if (before === undefined) delete process.env.HOLDFAST_AGENT_BIN;
      else process.env.HOLDFAST_AGENT_BIN = before;
      await home.cleanup();
    }
  });
});
