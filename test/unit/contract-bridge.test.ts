// What these prove, on the engine side of the contract (EngineBridge) with a scripted tab
// standing in for the engine: output crosses as text with UTF-8 characters split across
// chunks joined; a tab is paused above the high watermark and resumed below the low one;
// prompts get ids and wait for their answer; links other than http(s) never reach the
// opener; the host's destination defaults are added and the UI cannot override them; the
// session list leaves out port forwards' carried connections.

import { describe, expect, it } from 'vitest';
import { parseEvent, type AnyEvent } from '../../main/contract/api';
import { EngineBridge, type EngineLike } from '../../main/host/engineBridge';
import type { OpenTabRequest, SessionInfo } from '../../main/engine/types';
import type { PromptAnswer, Prompter } from '../../main/engine/prompts';
import { ScriptedTab } from '../support/scriptedTab';

function setup(opts: { high?: number; low?: number } = {}) {
  const events: AnyEvent[] = [];
  const opened: string[] = [];
  const tab = new ScriptedTab();
  const requests: OpenTabRequest[] = [];
  let prompter: Prompter | undefined;
  const listed: SessionInfo[] = [];
  const engine: EngineLike = {
    openTab: (req) => {
      requests.push(req);
      return tab;
    },
    listSessions: async () => ({ ok: true, value: listed }),
    killSession: async () => ({
      ok: false,
      error: { kind: 'no-session', message: 'No session 9 on h.' },
    }),
    renameSession: async () => ({ ok: true }),
    networkChanged: () => {},
  };
  const bridge = new EngineBridge({
    createEngine: (p) => {
      prompter = p;
      return engine;
    },
    emit: (e) => {
      // The bridge does not re-check its own events (hot path); a shape drift fails here.
      parseEvent(e.event, e.payload);
      events.push(e);
    },
    openExternal: (url) => {
      opened.push(url);
    },
    destinationDefaults: { configFile: '/bed/ssh_config', options: ['BatchMode=yes'] },
    highWatermarkBytes: opts.high ?? 1000,
    lowWatermarkBytes: opts.low ?? 200,
  });
  const connect = () =>
    bridge.connect({
      tabId: 'ui1',
      target: { kind: 'quick', text: 'me@h:2222' },
      cols: 80,
      rows: 24,
    });
  return {
    bridge,
    tab,
    events,
    opened,
    requests,
    listed,
    connect,
    ask: () => prompter as Prompter,
  };
}

const outputs = (events: AnyEvent[]) =>
  events.flatMap((e) => (e.event === 'output' ? [e.payload] : []));

describe('EngineBridge', () => {
  it("lists the host's sessions without the connections carried for port forwards", async () => {
    const { bridge, listed } = setup();
    const base = { name: '', pid: 1, created: '2025-01-31T12:00:00Z', attached: 1 };
    listed.push(
      { ...base, id: 'shell', command: 'bash', state: 'running' },
      {
        ...base,
        id: 'nc',
        command: 'holdfast-agent nc db 5432',
        state: 'running',
        forwarded: true,
      },
    );
    const r = await bridge.listSessions({ kind: 'quick', text: 'h' });
    expect(r.ok && r.sessions.map((x) => x.id)).toEqual(['shell']);
  });

  it('opens the tab with the parsed destination plus the host defaults, and reports its state', () => {
    const { connect, requests, events } = setup();
    expect(connect()).toEqual({ ok: true, tabId: 'ui1' });
    expect(requests).toEqual([
      {
        destination: 'h',
        user: 'me',
        port: 2222,
        configFile: '/bed/ssh_config',
        options: ['BatchMode=yes'],
        cols: 80,
        rows: 24,
      },
    ]);
    expect(events).toEqual([
      {
        event: 'state',
        payload: { tabId: 'ui1', state: { kind: 'connecting', step: 'dialling' } },
      },
    ]);
  });

  it('answers a bad quick-connect string with a message instead of dialling', () => {
    const { bridge, requests } = setup();
    const r = bridge.connect({
      tabId: 'ui1',
      target: { kind: 'quick', text: 'a b' },
      cols: 80,
      rows: 24,
    });
    expect(r).toMatchObject({ ok: false, error: { kind: 'bad-destination' } });
    expect(requests).toEqual([]);
  });

  it('refuses a second tab with the same id', () => {
    const { connect } = setup();
    connect();
    expect(connect()).toMatchObject({ ok: false, error: { kind: 'duplicate-tab' } });
  });

  it('joins a UTF-8 character split across two chunks', () => {
    const { connect, tab, events } = setup({ high: 1 << 20, low: 1 });
    connect();
    const euro = Buffer.from('a€b', 'utf8'); // € is 3 bytes
    tab.output(euro.subarray(0, 2));
    tab.output(euro.subarray(2));
    const out = outputs(events);
    expect(out.map((o) => o.data).join('')).toBe('a€b');
    expect(out.map((o) => o.bytes)).toEqual([2, 3]);
    expect(out.map((o) => o.offset)).toEqual(['0', '2']);
  });

  it('shows a character cut by a gap as a replacement, then the gap', () => {
    const { connect, tab, events } = setup({ high: 1 << 20, low: 1 });
    connect();
    tab.output(Buffer.from([0xe2, 0x82]));
    tab.gap(100n);
    const tail = events.slice(-2);
    expect(tail[0]).toMatchObject({ event: 'output', payload: { data: '\ufffd', bytes: 0 } });
    expect(tail[1]).toEqual({ event: 'gap', payload: { tabId: 'ui1', from: '2', to: '100' } });
  });

  it('pauses a tab above the high watermark and resumes it once acks bring it below the low one', () => {
    const { bridge, connect, tab } = setup({ high: 1000, low: 200 });
    connect();
    tab.output(Buffer.alloc(600, 0x79));
    expect(tab.paused).toBe(0);
    tab.output(Buffer.alloc(600, 0x79));
    expect(tab.paused).toBe(1);
    tab.output(Buffer.alloc(100, 0x79)); // in flight before the pause took hold
    expect(tab.paused).toBe(1);
    expect(bridge.unackedBytes('ui1')).toBe(1300);
    bridge.ackOutput('ui1', 1000);
    expect(tab.resumed).toBe(0);
    bridge.ackOutput('ui1', 150);
    expect(tab.resumed).toBe(1);
    expect(bridge.unackedBytes('ui1')).toBe(150);
  });

  it('ignores acks for a tab that was closed', async () => {
    const { bridge, connect } = setup();
    connect();
    await bridge.detach('ui1');
    expect(bridge.ackOutput('ui1', 10)).toEqual({ ok: true });
  });

  it('writes binary input one byte per char code', () => {
    const { bridge, connect, tab } = setup();
    connect();
    bridge.write('ui1', '\x1b[M\xff!', 'binary');
    bridge.write('ui1', 'é');
    expect(tab.written.map((b) => [...b])).toEqual([
      [0x1b, 0x5b, 0x4d, 0xff, 0x21],
      [0xc3, 0xa9],
    ]);
  });

  it('gives a prompt an id, waits for its answer, and closes it', async () => {
    const { bridge, events, ask } = setup();
    const answer = ask()({ kind: 'password', user: 'me', host: 'h' });
    const prompt = events.find((e) => e.event === 'prompt');
    expect(prompt).toBeDefined();
    const promptId = (prompt as Extract<AnyEvent, { event: 'prompt' }>).payload.promptId;
    expect(
      bridge.answerPrompt(promptId, { kind: 'host-key', decision: 'trust-once' }),
    ).toMatchObject({
      ok: false,
      error: { kind: 'wrong-answer' },
    });
    expect(bridge.answerPrompt(promptId, { kind: 'text', values: ['pw'] })).toEqual({ ok: true });
    await expect(answer).resolves.toEqual({ kind: 'text', values: ['pw'] } satisfies PromptAnswer);
    expect(events.at(-1)).toEqual({ event: 'promptClosed', payload: { promptId } });
    expect(bridge.answerPrompt(promptId, { kind: 'cancel' })).toMatchObject({
      ok: false,
      error: { kind: 'no-such-prompt' },
    });
  });

  it('cancels a prompt the engine no longer needs and tells the UI', async () => {
    const { events, ask } = setup();
    const abort = new AbortController();
    const answer = ask()({ kind: 'passphrase', keyPath: '/k' }, abort.signal);
    abort.abort();
    await expect(answer).resolves.toEqual({ kind: 'cancel' });
    expect(events.at(-1)?.event).toBe('promptClosed');
  });

  it('cancels open prompts and detaches tabs when the UI goes away', async () => {
    const { bridge, connect, ask } = setup();
    connect();
    const answer = ask()({ kind: 'password', user: 'me', host: 'h' });
    await bridge.dispose();
    await expect(answer).resolves.toEqual({ kind: 'cancel' });
    expect(bridge.write('ui1', 'x')).toMatchObject({ ok: false, error: { kind: 'no-such-tab' } });
  });

  it('never hands a non-web link to the opener, even when called directly', async () => {
    const { bridge, opened } = setup();
    expect(await bridge.openExternal('file:///etc/passwd')).toMatchObject({ ok: false });
    expect(await bridge.openExternal('https://example.org/')).toEqual({ ok: true });
    expect(opened).toEqual(['https://example.org/']);
  });

  it('reports the engine refusing to end a session in its own words', async () => {
    const { bridge } = setup();
    expect(await bridge.killSession({ kind: 'quick', text: 'h' }, '9')).toEqual({
      ok: false,
      error: { kind: 'no-session', message: 'No session 9 on h.' },
    });
  });
});
