// The desktop app's Ctrl-C in a flood (issue 12 item 2: "≤ 0.5 s in the desktop app on
// loopback"): a UI tab in Chromium (test host → real Engine → real sshd on 127.0.0.1, the
// real agent) runs `yes`; once megabytes have gone by, Playwright presses Ctrl+C through
// Chromium's own input pipeline and the page times key → the frame that painted the prompt,
// and counts the output bytes that reached it after the key. Reference: OpenSSH `ssh` in a
// PTY of its own on the same sshd (python's pty, read as fast as it writes), the same
// `yes`, 0x03 written to its terminal, time until the prompt arrives.

import type { ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import type { Sshd } from '../support/sshd';
import type { TestHost } from '../support/testHost';
import { spawnOnPty } from '../support/ptyRelay';
import { hook, pollFor, setPrompt, typeInTerminal } from '../e2e/support';
import { median, row, type Budget, type Row } from './lib';

export const CTRLC_NAME = 'UI Ctrl-C in a yes flood → prompt painted (Chromium)';
/** Issue 12 item 2's goal for the desktop app on loopback. */
export const CTRLC_BUDGET: Budget = { kind: 'max', limit: 500, text: '≤ 500 ms' };

/** Runs of each (interleaved UI, ssh). */
const RUNS = 7;
/** Output that must have gone by before the key: every buffer on the path is full by then. */
const FLOWING_BYTES = 8 << 20;
const PROMPT = 'hf-ready';
/** The prompt as the last thing on screen (`yes` prints `y` lines, never this). */
const PROMPT_AT_END = /hf-ready\$\s*$/;
/** How long a run may take before it is called broken. */
const RUN_TIMEOUT_MS = 30_000;

/** What the row needs of the UI section's bed (uiBench.ts owns it). */
export type CtrlCBed = {
  sshd: Sshd;
  host: TestHost;
  openPage(): Promise<Page>;
  connect(page: Page, first: boolean): Promise<number>;
};

// ---- in-page helpers (plain functions, serialised by Playwright) ------------------------

/**
 * Counts the output bytes the page receives after a keydown. The app's socket is taken
 * from the first call it sends after this runs (WebSocket.prototype.send wrapped; during a
 * flood acks go out all the time), and a listener of ours, added after the app's, reads
 * each output event's `bytes` once a key has been stamped (before that: no parsing).
 */
function installOutputCount(): void {
  type W = typeof globalThis & {
    __hfCtrlC?: { keyAt: number; bytesAfter: number };
    WebSocket: {
      prototype: {
        send(data: unknown): void;
      };
    };
  };
  const w = globalThis as W;
  const rec = { keyAt: Number.NaN, bytesAfter: 0 };
  w.__hfCtrlC = rec;
  addEventListener(
    'keydown',
    () => {
      rec.keyAt = performance.now();
      rec.bytesAfter = 0;
    },
    true,
  );
  const proto = w.WebSocket.prototype;
  const send = proto.send;
  let watched = false;
  proto.send = function (this: EventTarget, data: unknown) {
    if (!watched) {
      watched = true;
      this.addEventListener('message', (m) => {
        if (Number.isNaN(rec.keyAt)) return;
        const text = (m as MessageEvent).data;
        if (typeof text !== 'string' || !text.includes('"output"')) return;
        const msg = JSON.parse(text) as { event?: string; payload?: { bytes?: number } };
        if (msg.event === 'output') rec.bytesAfter += msg.payload?.bytes ?? 0;
      });
    }
    send.call(this, data);
  };
}

type PromptTiming = { keyAt: number; bufferAt: number; paintedAt: number; bytesAfter: number };

/**
 * Arms the watch before the key is pressed (this returns at once; the result lands in
 * `__hfCtrlCDone`): once a key has been pressed and tab `tab`'s visible rows end with the
 * prompt, checked at the start of every frame, it stamps the end of that frame (as the
 * echo row's watchEcho: xterm's own rAF callback for that frame runs after ours, and a
 * task posted from ours runs after the frame was drawn).
 */
function armPromptWatch(args: { tab: number; pattern: string }): void {
  type W = typeof globalThis & {
    __hfCtrlC: { keyAt: number; bytesAfter: number };
    __hfCtrlCDone?: PromptTiming;
    __holdfastTest: { viewportText(i: number): string };
  };
  const w = globalThis as W;
  const re = new RegExp(args.pattern);
  w.__hfCtrlC.keyAt = Number.NaN;
  w.__hfCtrlCDone = undefined;
  const tick = (): void => {
    const rec = w.__hfCtrlC;
    if (!Number.isNaN(rec.keyAt) && re.test(w.__holdfastTest.viewportText(args.tab))) {
      const bufferAt = performance.now();
      const bytesAfter = rec.bytesAfter;
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        w.__hfCtrlCDone = { keyAt: rec.keyAt, bufferAt, paintedAt: performance.now(), bytesAfter };
      };
      ch.port2.postMessage(0);
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

// ---- the UI side ----------------------------------------------------------------------------

type Sample = { ms: number; bytesAfter: number };

async function uiRun(bed: CtrlCBed, page: Page, tab: number): Promise<Sample> {
  const before = bed.host.outputBytes();
  await typeInTerminal(page, 'yes\n');
  await pollFor(
    'the flood in the UI tab',
    () => bed.host.outputBytes() - before,
    (n) => n >= FLOWING_BYTES,
    RUN_TIMEOUT_MS,
  );
  await page.evaluate(armPromptWatch, { tab, pattern: PROMPT_AT_END.source });
  await page.keyboard.press('Control+c');
  const done = async (): Promise<PromptTiming | undefined> =>
    (await page.evaluate('globalThis.__hfCtrlCDone')) as PromptTiming | undefined;
  const t = await pollFor(
    'the prompt after Ctrl-C',
    done,
    (v) => v !== undefined,
    RUN_TIMEOUT_MS,
  ).catch(async (e: Error) => {
    const text = await hook(page, 'viewportText', tab);
    const rec = (await page.evaluate('JSON.stringify(globalThis.__hfCtrlC)')) as string;
    throw new Error(
      `${e.message.split(';')[0]} (${rec}); the screen ends ${JSON.stringify(text.slice(-300))}`,
    );
  });
  return { ms: t!.paintedAt - t!.keyAt, bytesAfter: t!.bytesAfter };
}

// ---- the ssh side ---------------------------------------------------------------------------

/** OpenSSH's ssh on a PTY of its own, an interactive login shell with our prompt. */
class SshOnPty {
  private _tail = '';
  private _total = 0;
  private _waiters: (() => void)[] = [];
  readonly child: ChildProcess;

  constructor(sshd: Sshd) {
    this.child = spawnOnPty(['/usr/bin/env', 'ssh', ...sshd.sshArgs()], { cols: 120, rows: 40 });
    this.child.stdout!.on('data', (d: Buffer) => {
      this._total += d.length;
      this._tail = (this._tail + d.toString('latin1')).slice(-256);
      for (const w of this._waiters.splice(0)) w();
    });
  }

  /** Resolves with performance.now() once `pred` holds of (bytes so far, last 256 chars). */
  until(what: string, pred: (total: number, tail: string) => boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `ssh on a pty: no ${what} in ${RUN_TIMEOUT_MS} ms; tail ${JSON.stringify(this._tail)}`,
            ),
          ),
        RUN_TIMEOUT_MS,
      );
      const check = (): void => {
        if (pred(this._total, this._tail)) {
          clearTimeout(timer);
          resolve(performance.now());
        } else this._waiters.push(check);
      };
      check();
    });
  }

  get total(): number {
    return this._total;
  }

  type(text: string): void {
    this.child.stdin!.write(text);
  }

  async start(): Promise<void> {
    await this.until('first output', (n) => n > 0);
    this.type(`export PS1='${PROMPT}\\$ '\n`);
    await this.until('prompt', (_, t) => PROMPT_AT_END.test(t));
  }

  async run(): Promise<Sample> {
    const before = this.total;
    this.type('yes\n');
    await this.until('flood', (n) => n - before >= FLOWING_BYTES);
    const at = this.total;
    const t0 = performance.now();
    this.type('\x03');
    const t1 = await this.until('prompt after Ctrl-C', (_, t) => PROMPT_AT_END.test(t));
    return { ms: t1 - t0, bytesAfter: this.total - at };
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}

// ---- the row --------------------------------------------------------------------------------

export async function ctrlCRow(bed: CtrlCBed): Promise<Row> {
  const page = await bed.openPage();
  await page.evaluate(installOutputCount);
  const ssh = new SshOnPty(bed.sshd);
  const ui: Sample[] = [];
  const ref: Sample[] = [];
  try {
    const tab = await bed.connect(page, true);
    await setPrompt(page, tab, PROMPT);
    await ssh.start();
    for (let i = 0; i < RUNS; i++) {
      ui.push(await uiRun(bed, page, tab));
      ref.push(await ssh.run());
    }
    const size = await hook(page, 'size', tab);
    const ms = ui.map((s) => s.ms);
    const refMs = ref.map((s) => s.ms);
    const kb = (s: Sample[]) => s.map((x) => (x.bytesAfter / 1024).toFixed(0)).join(', ');
    return row({
      section: 'ui',
      name: CTRLC_NAME,
      unit: 'ms',
      holdfast: median(ms),
      reference: median(refMs),
      referenceLabel: 'ssh on a PTY, same sshd',
      budget: CTRLC_BUDGET,
      note:
        `A UI tab (${size?.cols ?? '?'}×${size?.rows ?? '?'}, test host → Engine → sshd on 127.0.0.1, the real agent) runs \`yes\`; once ${FLOWING_BYTES >> 20} MiB have reached the page, Playwright presses Ctrl+C (Chromium's input pipeline, xterm's key handling, the contract's write); ` +
        `a capture-phase keydown listener stamps the key, and at the start of every frame the page checks the visible rows for the prompt; the end of the first frame that has it is the figure (as the echo row). ` +
        `UI: ${ms.map((x) => x.toFixed(0)).join(', ')} ms; output bytes that reached the page after the key: ${kb(ui)} KiB (median ${(median(ui.map((s) => s.bytesAfter)) / 1024).toFixed(0)} KiB). ` +
        `Reference: OpenSSH \`ssh\` to the same sshd on a PTY of its own (python's pty module, read at once by the bench, nothing drawn), the same \`yes\` for the same ${FLOWING_BYTES >> 20} MiB, 0x03 written to its terminal, time until the prompt arrives: ${refMs.map((x) => x.toFixed(0)).join(', ')} ms, ${kb(ref)} KiB after the key (median ${(median(ref.map((s) => s.bytesAfter)) / 1024).toFixed(0)} KiB). ` +
        `${RUNS} runs each, interleaved.`,
      samples: { holdfast: ms, reference: refMs },
      extra: {
        uiBytesAfter: ui.map((s) => s.bytesAfter),
        sshBytesAfter: ref.map((s) => s.bytesAfter),
      },
    });
  } finally {
    ssh.close();
    await page.context().close();
  }
}
