// The desktop UI's rows: the renderer (React + xterm.js) in Debian's Chromium, served by the
// test host (test/support/testHost.ts), which speaks the UI contract over a WebSocket to a
// real Engine, against a real sshd on 127.0.0.1 (test/support/sshd.ts) with the real agent.
// Keystroke → echo painted (over the engine's own echo), frame rate during a 100 MB flood,
// JS heap per idle tab, Ctrl-C in a flood → prompt painted (uiCtrlC.ts). Without
// /usr/bin/chromium the rows say SKIP (never downloaded).

import { existsSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { Engine } from '../../main/engine/engine';
import type { Tab } from '../../main/engine/types';
import { destinationOf, testEngine } from '../support/engineHarness';
import { delay, descendantPids } from '../support/proc';
import { startSshd, type Sshd } from '../support/sshd';
import { startTestHost, type TestHost } from '../support/testHost';
import {
  CHROMIUM_PATH,
  checkPrerequisites,
  hook,
  launchChromium,
  newTab,
  openApp,
  pollFor,
  quickConnect,
  splitPane,
  typeInTerminal,
  waitForState,
  type PageReport,
} from '../e2e/support';
import { chromiumSwitchArgs } from '../../main/app/chromiumSwitches';
import { CTRLC_BUDGET, CTRLC_NAME, ctrlCRow } from './uiCtrlC';
import {
  detail,
  errored,
  log,
  median,
  percentile,
  row,
  skipped,
  type Budget,
  type Row,
} from './lib';

const SECTION = 'ui';

const ECHO_NAME = 'UI keystroke → echo painted (Chromium)';
const ECHO_BUDGET: Budget = { kind: 'maxAdded', limit: 16, text: 'added ≤ 16 ms' };
const FPS_NAME = 'UI frame rate during a 100 MB flood in one tab';
const FPS_BUDGET: Budget = { kind: 'minRatio', limit: 0.5, text: '≥ 30 fps (0.5 × 60)' };
const FLOOD_NAME = 'UI 100 MB flood through one tab (duration)';
const FLOOD_BUDGET: Budget = { kind: 'info', text: 'info' };
const MEM_NAME = 'UI renderer process memory per idle tab (5 tabs, PSS)';
const MEM_BUDGET: Budget = { kind: 'max', limit: 15, text: '≤ 15 MB per tab' };
const HEAP_NAME = 'UI renderer JS heap per idle tab (5 tabs)';
/** The echo and flood rows again with the tab split in two panes (the other one idle). */
const PANES_ECHO_NAME = 'UI keystroke → echo painted, tab split in two panes (Chromium)';
const PANES_FPS_NAME = 'UI frame rate during a 100 MB flood in one of two panes';
const HEAP_BUDGET: Budget = { kind: 'info', text: 'info (part of the row above)' };

/** Keystrokes measured (after WARMUP discarded ones), alternating with engine-only samples. */
const ECHO_N = 50;
const ECHO_WARMUP = 5;
/** Raw mode, no tty echo: `cat` sends each byte straight back (as engineBench's echo row). */
const ECHO_SCRIPT = "stty raw -echo; printf 'REA''DY'; exec cat";
const FLOOD_BYTES = 100_000_000;
/** 100 MB of base64 lines (76 characters + newline), then a marker the command line lacks. */
const FLOOD_CMD = `head -c ${FLOOD_BYTES} /dev/urandom | base64 | head -c ${FLOOD_BYTES}; echo; echo FLOOD-$((6 * 7))-END`;
const MEM_TABS = 5;
const MB = 1e6;

// ---- in-page helpers (plain functions, serialised by Playwright) ------------------------

/**
 * The time of every keydown, taken on the window in the capture phase (before xterm sees
 * it), and of the first WebSocket message the page sends after it (the call carrying the
 * key to the test host; WebSocket.prototype.send is wrapped, the app's socket untouched).
 */
function installKeyStamp(): void {
  const w = globalThis as typeof globalThis & {
    __hfBenchKeyAt?: number;
    __hfBenchSentAt?: number;
    addEventListener(type: string, f: () => void, capture: boolean): void;
    WebSocket: { prototype: { send(data: unknown): void } };
  };
  w.addEventListener(
    'keydown',
    () => {
      w.__hfBenchKeyAt = performance.now();
      w.__hfBenchSentAt = Number.NaN;
    },
    true,
  );
  const proto = w.WebSocket.prototype;
  const send = proto.send;
  proto.send = function (this: unknown, data: unknown) {
    if (Number.isNaN(w.__hfBenchSentAt)) w.__hfBenchSentAt = performance.now();
    send.call(this, data);
  };
}

type EchoTiming = { keyAt: number; sentAt: number; bufferAt: number; paintedAt: number };

/**
 * Resolves once the echoed text `acc` (everything typed since READY) shows in the tab's
 * buffer, checked at the start of every frame; then stamps the end of that frame. xterm
 * renders in a requestAnimationFrame callback it registers when it parses the write, i.e.
 * after ours for the same frame, so the frame in which we first see the character is the
 * one xterm paints it in; a task posted from our callback runs after that frame's rendering
 * (xterm's draw, style, layout, paint, commit), which is what `paintedAt` stamps.
 */
function watchEcho(args: { tab: number; acc: string }): Promise<EchoTiming> {
  type W = typeof globalThis & {
    __hfBenchKeyAt?: number;
    __hfBenchSentAt?: number;
    __holdfastTest: { viewportText(i: number): string };
    requestAnimationFrame(cb: () => void): number;
  };
  const w = globalThis as W;
  return new Promise((resolve) => {
    const tick = (): void => {
      const t = w.__holdfastTest.viewportText(args.tab);
      const at = t.lastIndexOf('READY');
      if (at >= 0 && t.slice(at + 5).includes(args.acc)) {
        const bufferAt = performance.now();
        const ch = new MessageChannel();
        (ch.port1 as unknown as { onmessage: () => void }).onmessage = () =>
          resolve({
            keyAt: w.__hfBenchKeyAt ?? Number.NaN,
            sentAt: w.__hfBenchSentAt ?? Number.NaN,
            bufferAt,
            paintedAt: performance.now(),
          });
        ch.port2.postMessage(0);
        return;
      }
      w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
  });
}

/** Starts recording the timestamp of every animation frame in the page. */
function startFrames(): void {
  type W = typeof globalThis & {
    __hfFrames?: { at: number[]; run: boolean };
    requestAnimationFrame(cb: (t: number) => void): number;
  };
  const w = globalThis as W;
  const rec = { at: [] as number[], run: true };
  w.__hfFrames = rec;
  const tick = (): void => {
    if (!rec.run) return;
    rec.at.push(performance.now());
    w.requestAnimationFrame(tick);
  };
  w.requestAnimationFrame(tick);
}

function stopFrames(): { at: number[]; now: number; keyAt: number } {
  type W = typeof globalThis & {
    __hfFrames?: { at: number[]; run: boolean };
    __hfBenchKeyAt?: number;
  };
  const w = globalThis as W;
  const rec = w.__hfFrames ?? { at: [], run: false };
  rec.run = false;
  return { at: rec.at, now: performance.now(), keyAt: w.__hfBenchKeyAt ?? Number.NaN };
}

// ---- set-up -----------------------------------------------------------------------------

type Bed = { sshd: Sshd; host: TestHost; browser: Browser; reports: PageReport[] };

async function openPage(bed: Bed): Promise<Page> {
  const { page, report } = await openApp(bed.browser, bed.host);
  bed.reports.push(report);
  // tsx (esbuild, keepNames) wraps the named functions inside the helpers in __name().
  await page.evaluate('globalThis.__name = (f) => f');
  await page.evaluate(installKeyStamp);
  return page;
}

/**
 * Splits the active tab down (its own session in the new pane, at a prompt): the pane the
 * measurement then uses; the first pane stays on the page, idle at its prompt. Down, so
 * the measured pane keeps the window's width.
 */
async function splitDown(page: Page): Promise<number> {
  const pane = await splitPane(page, 'down');
  await pollFor(
    'a prompt in the second pane',
    () => hook(page, 'viewportText', pane),
    (t) => t.trim().length > 0,
  );
  return pane;
}

/** Connects the active new tab (or a new one) and waits for the shell's first output. */
async function connect(bed: Bed, page: Page, first: boolean): Promise<number> {
  const alias = bed.sshd.sshAlias;
  const tab = first ? await quickConnect(page, alias) : await newTab(page, alias);
  await waitForState(page, tab, 'connected');
  await pollFor(
    `a prompt in tab ${tab}`,
    () => hook(page, 'viewportText', tab),
    (t) => t.trim().length > 0,
  );
  return tab;
}

function engineOutputWhere(tab: Tab, pred: (text: string) => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`engine tab: timed out; got ${JSON.stringify(text.slice(-200))}`));
    }, 10_000);
    const sub = tab.onOutput((d) => {
      text += d.toString('latin1');
      if (pred(text)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(performance.now());
      }
    });
  });
}

/** The tab's renderer and why (the Settings panel's note), e.g. "dom: DOM (WebGL here is ...)". */
async function rendererOf(page: Page, tab: number): Promise<string> {
  const kind = await hook(page, 'renderer', tab);
  await page.click('button[aria-label="Settings"]');
  const note = await page.locator('[data-renderer-note]').textContent();
  await page.click('button[aria-label="Close settings"]');
  return `${kind} — ${(note ?? '').replace(/^Terminal renderer: /, '')}`;
}

// ---- 1. keystroke → echo painted ----------------------------------------------------------

async function echoRow(bed: Bed, panes = false): Promise<Row> {
  const page = await openPage(bed);
  const engine: Engine = testEngine({
    clientName: 'holdfast-bench',
    log: (m) => detail(`engine: ${m}`),
  }).engine;
  const ui: number[] = [];
  const uiBuffer: number[] = [];
  const uiSent: number[] = [];
  const ref: number[] = [];
  let renderer: string | undefined;
  try {
    const first = await connect(bed, page, true);
    const tab = panes ? await splitDown(page) : first;
    renderer = await rendererOf(page, tab);
    const size = await hook(page, 'size', tab);
    if (!size || size.cols < ECHO_N + ECHO_WARMUP + 10) {
      throw new Error(`the terminal is too narrow for one line of keys: ${JSON.stringify(size)}`);
    }
    await typeInTerminal(page, `${ECHO_SCRIPT}\n`);
    await pollFor(
      'READY in the UI tab',
      () => hook(page, 'viewportText', tab),
      (t) => t.includes('READY'),
    );
    const etab = engine.openTab({
      ...destinationOf(bed.sshd),
      cols: 80,
      rows: 24,
      command: [ECHO_SCRIPT],
    });
    await engineOutputWhere(etab, (t) => t.includes('READY'));
    await page.locator('.pane.active .xterm-helper-textarea').focus();

    const keys = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    let acc = '';
    for (let i = 0; i < ECHO_N + ECHO_WARMUP; i++) {
      const k = keys[i % keys.length]!;
      acc += k;
      // UI: a real key press through Chromium's input pipeline; times taken in the page.
      const watch = page.evaluate(watchEcho, { tab, acc });
      watch.catch(() => undefined); // awaited below; not unhandled while the key is pressed
      await page.keyboard.press(k);
      const t = await watch;
      // Engine only: the same byte written to an Engine tab, time until its output event.
      const t0 = performance.now();
      const seen = engineOutputWhere(etab, (s) => s.includes(k));
      etab.write(Buffer.from(k));
      const engineMs = (await seen) - t0;
      if (i < ECHO_WARMUP) continue;
      ui.push(t.paintedAt - t.keyAt);
      uiBuffer.push(t.bufferAt - t.keyAt);
      uiSent.push(t.sentAt - t.keyAt);
      ref.push(engineMs);
    }
    await etab.kill();
  } finally {
    engine.dispose();
    await page.context().close();
  }
  const added = median(ui) - median(ref);
  return row({
    section: SECTION,
    name: panes ? PANES_ECHO_NAME : ECHO_NAME,
    unit: 'ms',
    holdfast: median(ui),
    reference: median(ref),
    referenceLabel: 'engine-only echo, Engine tab.write → onOutput',
    budget: ECHO_BUDGET,
    note:
      (panes
        ? 'The tab is split in two panes (each its own session; the one measured below the other, which idles at its prompt). '
        : '') +
      `A UI tab (test host → Engine → sshd on 127.0.0.1) runs \`${ECHO_SCRIPT}\`; renderer ${renderer ?? '?'}; Chromium with the app's switches (${chromiumSwitchArgs().join(' ')}). ` +
      `Playwright presses a key (page.keyboard.press, Chromium's own input pipeline), a capture-phase keydown listener stamps performance.now() before xterm sees it; ` +
      `at the start of every animation frame the page checks xterm's buffer (window.__holdfastTest) for the echoed character, and in the first frame that has it posts a task that stamps the end of that frame ` +
      `(xterm renders in its own rAF callback of the same frame, registered after ours, so that task runs after the character was drawn and the frame committed; the compositor's and the display's own latency are not in the figure). ` +
      `Median of ${ui.length} keys after ${ECHO_WARMUP} warm-up ones; p90 ${percentile(ui, 90).toFixed(1)} ms; where it goes (medians): key → the page's WebSocket send ${median(uiSent).toFixed(1)} ms, key → char in xterm's buffer (seen at a frame start) ${median(uiBuffer).toFixed(1)} ms, key → end of the frame that drew it ${median(ui).toFixed(1)} ms. ` +
      `Reference: the engine alone, the same byte written to an Engine tab running the same command on the same sshd, time until its output event (median ${median(ref).toFixed(3)} ms, p90 ${percentile(ref, 90).toFixed(3)} ms), alternating key by key with the UI samples. ` +
      `Added by the UI = ${added.toFixed(1)} ms, which includes the test host's WebSocket hop (JSON on loopback; Electron's IPC in the app) and the wait for the next frame (≤ 16.7 ms at 60 Hz).`,
    samples: { holdfast: ui, reference: ref },
    extra: { keyToSendMs: uiSent, keyToBufferMs: uiBuffer },
  });
}

// ---- 2. frame rate during a flood ---------------------------------------------------------

async function floodRows(bed: Bed, panes = false): Promise<Row[]> {
  const page = await openPage(bed);
  try {
    const first = await connect(bed, page, true);
    const tab = panes ? await splitDown(page) : first;
    const renderer = await rendererOf(page, tab);
    // The display rate this headless Chromium gives an idle page (what 60 fps stands for).
    await page.evaluate(startFrames);
    await delay(2000);
    const idle = await page.evaluate(stopFrames);
    const idleFps =
      idle.at.length > 1
        ? ((idle.at.length - 1) * 1000) / (idle.at.at(-1)! - idle.at[0]!)
        : Number.NaN;

    await typeInTerminal(page, FLOOD_CMD);
    await page.evaluate(startFrames);
    const started = performance.now();
    await page.keyboard.press('Enter');
    // Poll the visible rows for the marker; each poll's round trip into the page is also a
    // responsiveness probe (it needs the page's main thread).
    const rtts: number[] = [];
    for (;;) {
      const t0 = performance.now();
      const text = await hook(page, 'viewportText', tab);
      rtts.push(performance.now() - t0);
      if (/^FLOOD-42-END$/m.test(text)) break;
      if (performance.now() - started > 600_000) throw new Error('the flood took over 10 min');
      await delay(100);
    }
    const rec = await page.evaluate(stopFrames);
    const seconds = (rec.now - rec.keyAt) / 1000;
    const frames = rec.at.filter((t) => t >= rec.keyAt);
    const fps = frames.length / seconds;
    // Frames per whole second of the flood, and the longest gap between two frames.
    const perSecond: number[] = [];
    for (let s = 0; s + 1 <= seconds; s++) {
      const lo = rec.keyAt + s * 1000;
      perSecond.push(frames.filter((t) => t >= lo && t < lo + 1000).length);
    }
    let gap = 0;
    for (let i = 1; i < frames.length; i++) gap = Math.max(gap, frames[i]! - frames[i - 1]!);
    // Still answering afterwards?
    await typeInTerminal(page, 'echo after-$((2 + 2))\n');
    await pollFor(
      'the tab to answer after the flood',
      () => hook(page, 'viewportText', tab),
      (t) => /^after-4$/m.test(t),
    );
    const responsiveness =
      `Responsiveness: ${rtts.length} round trips into the page during the flood (a hook call every 100 ms): median ${median(rtts).toFixed(1)} ms, max ${Math.max(...rtts).toFixed(0)} ms; ` +
      `longest gap between two frames ${gap.toFixed(0)} ms; the tab answered a command right after.`;
    const mbps = FLOOD_BYTES / MB / seconds;
    const rows = [
      row({
        section: SECTION,
        name: panes ? PANES_FPS_NAME : FPS_NAME,
        unit: 'fps',
        holdfast: fps,
        reference: 60,
        referenceLabel: 'nominal 60 Hz display rate',
        budget: FPS_BUDGET,
        note:
          (panes
            ? 'The tab is split in two panes; the flood runs in the lower one while the upper one idles at its prompt. '
            : '') +
          `One UI tab (renderer ${renderer}) runs \`${FLOOD_CMD}\` (100 MB of base64 lines); the page counts its requestAnimationFrame callbacks from the Enter keydown until the marker line shows (${frames.length} frames in ${seconds.toFixed(1)} s). ` +
          `Frames per whole second: ${perSecond.join(', ')} (min ${perSecond.length ? Math.min(...perSecond) : '—'}). ` +
          `Reference: the nominal 60 Hz display rate; this headless Chromium gave the idle page ${idleFps.toFixed(1)} fps over 2 s just before. ${responsiveness}`,
        samples: { holdfast: perSecond },
        extra: { idleFps, longestFrameGapMs: gap, rttMs: rtts },
      }),
      row({
        section: SECTION,
        name: FLOOD_NAME,
        unit: 's',
        holdfast: seconds,
        reference: null,
        referenceLabel: `${mbps.toFixed(1)} MB/s shown`,
        budget: FLOOD_BUDGET,
        note:
          `The same flood, from the Enter keydown (stamped in the page) until a 100 ms poll of the visible rows saw the marker: ${seconds.toFixed(1)} s for 100 MB, ${mbps.toFixed(1)} MB/s through sshd → agent → engine → test host WebSocket → xterm (flow-controlled by the bridge's watermarks). ` +
          'No budget; for reading the frame rate row.',
      }),
    ];
    // With panes, only the frame rate: the duration row is the single pane's.
    return panes ? rows.slice(0, 1) : rows;
  } finally {
    await page.context().close();
  }
}

/**
 * Proportional set size (kB → MB) summed over the Chromium renderer processes this bench
 * started (descendants of this process with --type=renderer): the page's renderer and any
 * spare one, which stays the same size between two readings.
 */
function rendererPssMB(): { mb: number; pids: number[] } {
  const pids = descendantPids(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
    } catch {
      return false; // gone meanwhile
    }
  });
  let kb = 0;
  for (const pid of pids) {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    kb += Number(m?.[1] ?? 0);
  }
  return { mb: (kb * 1024) / MB, pids };
}

// ---- 3. memory per idle tab --------------------------------------------------------------

async function memoryRows(bed: Bed): Promise<Row[]> {
  const page = await openPage(bed);
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const measure = async (): Promise<{ heap: number; nodes: number; listeners: number }> => {
      const heaps: number[] = [];
      for (let i = 0; i < 3; i++) {
        await cdp.send('HeapProfiler.collectGarbage');
        const u = await cdp.send('Runtime.getHeapUsage');
        heaps.push(u.usedSize);
      }
      const { metrics } = await cdp.send('Performance.getMetrics');
      const m = (name: string) => metrics.find((x) => x.name === name)?.value ?? Number.NaN;
      return { heap: median(heaps), nodes: m('Nodes'), listeners: m('JSEventListeners') };
    };
    await delay(1000);
    const before = await measure();
    const pssBefore = rendererPssMB();
    for (let i = 0; i < MEM_TABS; i++) await connect(bed, page, i === 0);
    if ((await hook(page, 'tabCount')) !== MEM_TABS) throw new Error('not 5 tabs');
    await delay(2000);
    const after = await measure();
    const pssAfter = rendererPssMB();
    await cdp.detach();
    const perTab = (after.heap - before.heap) / MEM_TABS / MB;
    const pssPerTab = (pssAfter.mb - pssBefore.mb) / MEM_TABS;
    const renderers = await Promise.all(
      Array.from({ length: MEM_TABS }, (_, i) => hook(page, 'renderer', i)),
    );
    const pss = row({
      section: SECTION,
      name: MEM_NAME,
      unit: 'MB',
      holdfast: pssPerTab,
      reference: 15,
      referenceLabel: 'the budget itself; no other client measured',
      budget: MEM_BUDGET,
      note:
        `Proportional set size (/proc/PID/smaps_rollup) of Chromium's renderer processes started by the bench (pids ${pssAfter.pids.join(', ')}), the app open on its quick-connect page: ${pssBefore.mb.toFixed(1)} MB; ` +
        `with ${MEM_TABS} tabs each connected to its own login-shell session and idle at its prompt, 2 s later: ${pssAfter.mb.toFixed(1)} MB; (after − before) / ${MEM_TABS}. ` +
        `Everything the page holds: JS heap, DOM and layout, xterm's buffers, raster memory in the renderer. Renderers: ${renderers.join(', ')}. Not counted: the GPU and browser processes (shared by all tabs).`,
      extra: { pssBefore: pssBefore.mb, pssAfter: pssAfter.mb },
    });
    const heap = row({
      section: SECTION,
      name: HEAP_NAME,
      unit: 'MB',
      holdfast: perTab,
      reference: null,
      referenceLabel: 'JS heap alone',
      budget: HEAP_BUDGET,
      note:
        `JS heap in use (CDP Runtime.getHeapUsage after HeapProfiler.collectGarbage, median of 3) with the app open on its initial quick-connect page (no terminal, no session): ${(before.heap / MB).toFixed(1)} MB; ` +
        `then ${MEM_TABS} tabs, each connected to its own login-shell session on the sshd and idle at its prompt, 2 s later: ${(after.heap / MB).toFixed(1)} MB; ` +
        `(after − before) / ${MEM_TABS}, MB = 10⁶ bytes. Renderers: ${renderers.join(', ')}. ` +
        `Not counted: DOM and layout memory outside the JS heap (DOM nodes ${before.nodes} → ${after.nodes}, JS event listeners ${before.listeners} → ${after.listeners}), canvas/WebGL buffers and textures (GPU process or SwiftShader; Chromium runs with --disable-gpu), and the browser's own processes.`,
      extra: { before, after },
    });
    return [pss, heap];
  } finally {
    await page.context().close();
  }
}

// ---- the section --------------------------------------------------------------------------

export async function uiRows(): Promise<Row[]> {
  const budgets: [string, Budget][] = [
    [ECHO_NAME, ECHO_BUDGET],
    [FPS_NAME, FPS_BUDGET],
    [FLOOD_NAME, FLOOD_BUDGET],
    [MEM_NAME, MEM_BUDGET],
    [HEAP_NAME, HEAP_BUDGET],
    [PANES_ECHO_NAME, ECHO_BUDGET],
    [PANES_FPS_NAME, FPS_BUDGET],
    [CTRLC_NAME, CTRLC_BUDGET],
  ];
  if (!existsSync(CHROMIUM_PATH)) {
    const why = `SKIPPED: ${CHROMIUM_PATH} is missing (Debian's chromium package; the bench never downloads a browser)`;
    log(`ui: ${why}`);
    return budgets.map(([name, b]) => skipped(SECTION, name, b, why));
  }
  try {
    await checkPrerequisites();
  } catch (e) {
    return budgets.map(([name, b]) => errored(SECTION, name, b, (e as Error).message));
  }

  const bed: Partial<Bed> & { reports: PageReport[] } = { reports: [] };
  const rows: Row[] = [];
  try {
    bed.sshd = await startSshd({ label: 'bench-ui' });
    bed.host = await startTestHost({
      destinationDefaults: { configFile: bed.sshd.sshConfigFile },
    });
    bed.browser = await launchChromium();
    const full = bed as Bed;
    // BENCH_ROWS=keystroke echo painted runs only those sections (for measuring one change).
    const onlyRows = process.env.BENCH_ROWS?.split(',').map((s) => s.trim());
    const section = async (
      what: string,
      names: [string, Budget][],
      f: () => Promise<Row | Row[]>,
    ): Promise<void> => {
      if (onlyRows && !onlyRows.includes(what)) return;
      log(`ui: ${what}`);
      try {
        const r = await f();
        rows.push(...(Array.isArray(r) ? r : [r]));
      } catch (e) {
        const err = e as Error;
        log(`ui: ${what} broke: ${err.stack ?? err.message}`);
        for (const line of full.host.log.slice(-30)) detail(line);
        rows.push(...names.map(([n, b]) => errored(SECTION, n, b, err.message)));
      }
    };
    await section('memory per idle tab', [budgets[3]!, budgets[4]!], () => memoryRows(full));
    await section('keystroke echo painted', [budgets[0]!], () => echoRow(full));
    await section('frame rate during a 100 MB flood', [budgets[1]!, budgets[2]!], () =>
      floodRows(full),
    );
    await section('ctrl-c in a flood', [budgets[7]!], () =>
      ctrlCRow({
        sshd: full.sshd,
        host: full.host,
        openPage: () => openPage(full),
        connect: (page, first) => connect(full, page, first),
      }),
    );
    await section('keystroke echo painted in two panes', [budgets[5]!], () => echoRow(full, true));
    await section('frame rate during a flood in two panes', [budgets[6]!], () =>
      floodRows(full, true),
    );
  } finally {
    await bed.browser?.close();
    await bed.host?.close();
    await bed.sshd?.stop();
  }
  // What the page and the contract said, appended to the first row's note.
  const problems = [
    ...(bed.host?.violations ?? []).map((v) => `contract violation: ${v}`),
    ...bed.reports.flatMap((r) => [...r.errors, ...r.cspViolations.map((c) => `CSP: ${c}`)]),
  ];
  if (problems.length > 0 && rows[0]) {
    rows[0].note += ` Page/contract problems during the UI section: ${problems.slice(0, 5).join('; ')}.`;
  }
  // Keep the table's order: echo, frame rate, flood, memory.
  const order = budgets.map(([n]) => n);
  return rows.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}
