// What these prove: every call between the UI and the engine is checked against the one
// contract module on both ends; bad arguments are refused with a message that names the
// method and the field; openExternal takes only http(s) links; the client proxy and the
// dispatcher are derived from the method list and agree with each other; the menu's
// `menuCommand` event carries only one of the menu's actions.

import { describe, expect, it, vi } from 'vitest';
import {
  ContractError,
  EVENT_NAMES,
  METHOD_NAMES,
  MenuAction,
  createClient,
  dispatch,
  isWebUrl,
  methods,
  parseArgs,
  parseEvent,
  type HoldfastMethods,
  type Reply,
} from '../../main/contract/api';

/** A host that records calls and answers each with a fitting result. */
function recordingHost(): { impl: HoldfastMethods; calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = [];
  const done =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push([name, args]);
      return { ok: true as const };
    };
  const impl = {
    ...Object.fromEntries(METHOD_NAMES.map((n) => [n, done(n)])),
    connect: (req: { tabId: string }) => {
      calls.push(['connect', [req]]);
      return { ok: true as const, tabId: req.tabId };
    },
    listSessions: (...args: unknown[]) => {
      calls.push(['listSessions', args]);
      return { ok: true as const, sessions: [] };
    },
  } as unknown as HoldfastMethods;
  return { impl, calls };
}

const goodConnect = {
  tabId: 't1',
  target: { kind: 'quick', text: 'me@example.org' },
  cols: 80,
  rows: 24,
};

describe('contract arguments', () => {
  it('accepts a well-formed connect request', () => {
    expect(parseArgs('connect', [goodConnect])).toEqual([goodConnect]);
  });

  it('names the method and the field when an argument has the wrong type', () => {
    expect(() => parseArgs('resize', ['t1', 'eighty', 24])).toThrow(ContractError);
    expect(() => parseArgs('resize', ['t1', 'eighty', 24])).toThrow(/^resize\(cols\): /);
  });

  it('names the nested field of a bad connect request', () => {
    const bad = { ...goodConnect, cols: 0 };
    expect(() => parseArgs('connect', [bad])).toThrow(/connect\(request\.cols\)/);
  });

  it('refuses fields the UI may not set, such as an ssh option', () => {
    const sneaky = {
      ...goodConnect,
      target: {
        kind: 'destination',
        destination: { destination: 'h', options: ['ProxyCommand=sh'] },
      },
    };
    expect(() => parseArgs('connect', [sneaky])).toThrow(/options/);
  });

  it('refuses a tab id with characters outside the allowed set', () => {
    expect(() => parseArgs('write', ['../x', 'ls\r'])).toThrow(/write\(tabId\)/);
  });

  it('refuses a missing argument and says which', () => {
    expect(() => parseArgs('write', ['t1'])).toThrow(/write\(data\)/);
  });

  it('refuses extra arguments and lists the expected ones', () => {
    expect(() => parseArgs('detach', ['t1', 'x'])).toThrow(
      /detach takes 1 argument\(s\) \(tabId\), got 2/,
    );
  });

  it('refuses arguments that are not a list', () => {
    expect(() => parseArgs('detach', { tabId: 't1' })).toThrow(/arguments must be a list/);
  });

  it('refuses a resize beyond what the agent accepts', () => {
    expect(() => parseArgs('resize', ['t1', 5000, 24])).toThrow(/resize\(cols\)/);
  });

  it('refuses an unknown signal name', () => {
    expect(() => parseArgs('signal', ['t1', 'STOP'])).toThrow(/signal\(signal\)/);
  });

  it('takes a decimal string offset in events and refuses a number', () => {
    const ok = { tabId: 't1', data: 'x', offset: '18446744073709551615', bytes: 1 };
    expect(parseEvent('output', ok)).toEqual(ok);
    expect(() => parseEvent('output', { ...ok, offset: 12 })).toThrow(/output event\(offset\)/);
  });

  it('lists every method with a name per argument', () => {
    for (const name of METHOD_NAMES) {
      const spec = methods[name];
      expect(spec.params.length, name).toBe(spec.args.def.items.length);
    }
    expect(METHOD_NAMES).toEqual(
      expect.arrayContaining([
        'connect',
        'answerPrompt',
        'write',
        'resize',
        'signal',
        'detach',
        'kill',
        'reconnectNow',
        'listSessions',
        'killSession',
        'ackOutput',
        'openExternal',
        'networkChanged',
      ]),
    );
    expect(EVENT_NAMES).toEqual(
      expect.arrayContaining([
        'output',
        'gap',
        'state',
        'notice',
        'prompt',
        'promptClosed',
        'menuCommand',
      ]),
    );
  });
});

describe('the menuCommand event', () => {
  it.each(MenuAction.options)('carries the menu action %s', (action) => {
    expect(parseEvent('menuCommand', { action })).toEqual({ action });
  });

  it('names the field when the action is not one of the menu’s', () => {
    expect(() => parseEvent('menuCommand', { action: 'rm-rf' })).toThrow(ContractError);
    expect(() => parseEvent('menuCommand', { action: 'rm-rf' })).toThrow(
      /^menuCommand event\(action\): /,
    );
    expect(() => parseEvent('menuCommand', {})).toThrow(/menuCommand event\(action\)/);
    expect(() => parseEvent('menuCommand', { action: 1 })).toThrow(/menuCommand event\(action\)/);
  });

  it('refuses fields it does not know, such as a key chord to replay', () => {
    expect(() => parseEvent('menuCommand', { action: 'new-tab', chord: 'Ctrl+T' })).toThrow(
      /menuCommand event/,
    );
  });

  it('is delivered to a subscriber of on(), and a malformed one is dropped', () => {
    let deliver: ((event: string, payload: unknown) => void) | undefined;
    const api = createClient(
      async () => ({ ok: true, value: { ok: true } }),
      (listener) => {
        deliver = listener;
        return () => (deliver = undefined);
      },
    );
    const seen: MenuAction[] = [];
    api.on('menuCommand', (p) => seen.push(p.action));
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    let logged: unknown[][];
    try {
      deliver?.('menuCommand', { action: 'zoom-in' });
      deliver?.('menuCommand', { action: 'format-disk' });
    } finally {
      logged = [...error.mock.calls];
      error.mockRestore();
    }
    expect(seen).toEqual(['zoom-in']);
    expect(logged).toEqual([
      [expect.stringMatching(/dropped a malformed event: menuCommand event\(action\)/)],
    ]);
  });
});

describe('openExternal', () => {
  it.each(['https://example.org/a?b=c', 'http://127.0.0.1:8080/'])('opens %s', (url) => {
    expect(isWebUrl(url)).toBe(true);
    expect(parseArgs('openExternal', [url])).toEqual([url]);
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'ssh://host',
    'data:text/html,<script>',
    'vscode://x',
    '/relative',
    'https://',
    '',
  ])('refuses %s', (url) => {
    expect(isWebUrl(url)).toBe(false);
    expect(() => parseArgs('openExternal', [url])).toThrow(
      /openExternal\(url\): only http:\/\/ and https:\/\/ links can be opened/,
    );
  });
});

describe('dispatch', () => {
  it('runs a valid call and returns its result', async () => {
    const { impl, calls } = recordingHost();
    const reply = await dispatch(impl, 'resize', ['t1', 100, 30]);
    expect(reply).toEqual({ ok: true, value: { ok: true } });
    expect(calls).toEqual([['resize', ['t1', 100, 30]]]);
  });

  it('refuses an unknown method without calling anything', async () => {
    const { impl, calls } = recordingHost();
    const reply = await dispatch(impl, 'constructor', []);
    expect(reply.ok).toBe(false);
    expect((reply as { message: string }).message).toMatch(
      /unknown method "constructor"; known: connect/,
    );
    expect(calls).toEqual([]);
  });

  it('refuses bad arguments without calling the method', async () => {
    const { impl, calls } = recordingHost();
    const reply = await dispatch(impl, 'openExternal', ['file:///etc/passwd']);
    expect(reply).toEqual({
      ok: false,
      message: 'openExternal(url): only http:// and https:// links can be opened',
    });
    expect(calls).toEqual([]);
  });

  it('reports a result that breaks the contract as the host bug it is', async () => {
    const impl = {
      ...recordingHost().impl,
      detach: () => ({ ok: 'yes' }),
    } as unknown as HoldfastMethods;
    const reply = await dispatch(impl, 'detach', ['t1']);
    expect(reply.ok).toBe(false);
    expect((reply as { message: string }).message).toMatch(/^detach result/);
  });

  it('leaves results unchecked when told to (the app), still checking arguments', async () => {
    const impl = {
      ...recordingHost().impl,
      detach: () => ({ ok: 'yes' }),
    } as unknown as HoldfastMethods;
    const opts = { checkResult: false };
    expect(await dispatch(impl, 'detach', ['t1'], opts)).toEqual({
      ok: true,
      value: { ok: 'yes' },
    });
    expect((await dispatch(impl, 'detach', [42], opts)).ok).toBe(false);
  });

  it('turns a thrown error into a reply, never a rejection', async () => {
    const impl = {
      ...recordingHost().impl,
      networkChanged: () => {
        throw new Error('boom');
      },
    } as HoldfastMethods;
    await expect(dispatch(impl, 'networkChanged', [])).resolves.toEqual({
      ok: false,
      message: 'boom',
    });
  });
});

describe('createClient', () => {
  function loopback() {
    const { impl, calls } = recordingHost();
    const sent: unknown[][] = [];
    let deliver: ((event: string, payload: unknown) => void) | undefined;
    const api = createClient(
      (name, args): Promise<Reply> => {
        sent.push([name, ...args]);
        return dispatch(impl, name, args);
      },
      (listener) => {
        deliver = listener;
        return () => (deliver = undefined);
      },
    );
    return { api, calls, sent, emit: (e: string, p: unknown) => deliver?.(e, p) };
  }

  it('has one function per method of the contract', () => {
    const { api } = loopback();
    for (const name of METHOD_NAMES) expect(typeof api[name], name).toBe('function');
  });

  it('passes a call through and returns the host result', async () => {
    const { api, calls } = loopback();
    await expect(api.connect(goodConnect as never)).resolves.toEqual({ ok: true, tabId: 't1' });
    expect(calls).toEqual([['connect', [goodConnect]]]);
  });

  it('checks arguments before sending anything', async () => {
    const { api, sent } = loopback();
    await expect(api.openExternal('javascript:alert(1)')).rejects.toThrow(/only http/);
    expect(sent).toEqual([]);
  });

  it('delivers valid events to subscribers and drops malformed ones', () => {
    const { api, emit } = loopback();
    const seen: unknown[] = [];
    const off = api.on('notice', (p) => seen.push(p));
    emit('notice', { tabId: 't1', message: 'hello' });
    emit('notice', { tabId: 't1' });
    emit('no-such-event', {});
    off();
    emit('notice', { tabId: 't1', message: 'after' });
    expect(seen).toEqual([{ tabId: 't1', message: 'hello' }]);
  });

  it('rejects a call with the host message when the host refuses it', async () => {
    const api = createClient(
      async () => ({ ok: false, message: 'write(tabId): not a tab' }),
      () => () => {},
    );
    await expect(api.write('t1', 'x')).rejects.toThrow('write(tabId): not a tab');
  });
});
