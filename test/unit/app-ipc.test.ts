// What these prove: every IPC call the main process takes (main/app/ipcValidation.ts) is
// checked twice — the sender must be our own page (app://holdfast) in the top frame of the
// Holdfast window, and the method and arguments must fit the contract's zod schemas — and a
// refused call gets an answer in words, never a stack, and never reaches the engine.

import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, type HoldfastMethods } from '../../main/contract/api';
import { handleCall, senderRefusal, type SenderFacts } from '../../main/app/ipcValidation';

const WINDOW = 7;
const ours: SenderFacts = { url: 'app://holdfast/index.html', isTopFrame: true, webContentsId: 7 };

/** An engine side that counts calls per method and answers `{ ok: true }`. */
function countingImpl(): { impl: HoldfastMethods; calls: Map<string, unknown[][]> } {
  const calls = new Map<string, unknown[][]>();
  const impl = Object.fromEntries(
    METHOD_NAMES.map((name) => [
      name,
      (...args: unknown[]) => {
        calls.set(name, [...(calls.get(name) ?? []), args]);
        return { ok: true };
      },
    ]),
  ) as unknown as HoldfastMethods;
  return { impl, calls };
}

describe('the sender check', () => {
  it('accepts our page in the top frame of the window', () => {
    expect(senderRefusal(ours, [WINDOW])).toBeUndefined();
    expect(senderRefusal({ ...ours, url: 'app://holdfast/index.html?test=1' }, [WINDOW])).toBe(
      undefined,
    );
  });
  it('refuses a subframe', () => {
    expect(senderRefusal({ ...ours, isTopFrame: false }, [WINDOW])).toMatch(/top frame/);
  });
  it('refuses another origin, naming only its scheme and host', () => {
    const refusal = senderRefusal({ ...ours, url: 'https://evil.test/a?token=secret' }, [WINDOW]);
    expect(refusal).toMatch(/not from https:\/\/evil\.test$/);
    expect(refusal).not.toMatch(/secret/);
    expect(senderRefusal({ ...ours, url: 'file:///x/index.html' }, [WINDOW])).toMatch(/file:/);
  });
  it('refuses another WebContents and a frame that is gone', () => {
    expect(senderRefusal({ ...ours, webContentsId: 8 }, [WINDOW])).toMatch(/Holdfast window/);
    expect(senderRefusal({ ...ours, url: undefined }, [WINDOW])).toMatch(/gone/);
    expect(senderRefusal(ours, [])).toMatch(/Holdfast window/);
  });
});

describe('handleCall', () => {
  it('runs a valid call from our page', async () => {
    const { impl, calls } = countingImpl();
    const reply = await handleCall(ours, [WINDOW], impl, 'resize', ['t1', 80, 24]);
    expect(reply).toEqual({ ok: true, value: { ok: true } });
    expect(calls.get('resize')).toEqual([['t1', 80, 24]]);
  });

  it('refuses a call from another origin in words, without reaching the engine', async () => {
    const { impl, calls } = countingImpl();
    const reply = await handleCall(
      { ...ours, url: 'https://evil.test/' },
      [WINDOW],
      impl,
      'networkChanged',
      [],
    );
    expect(reply).toEqual({
      ok: false,
      message:
        'Refused a call: calls are only taken from the Holdfast UI, not from https://evil.test.',
    });
    expect(calls.size).toBe(0);
  });

  it('refuses a call from a subframe', async () => {
    const { impl, calls } = countingImpl();
    const reply = await handleCall({ ...ours, isTopFrame: false }, [WINDOW], impl, 'kill', ['t1']);
    expect(reply.ok).toBe(false);
    expect(calls.size).toBe(0);
  });

  it('refuses bad arguments, naming the method and the field', async () => {
    const { impl, calls } = countingImpl();
    const reply = await handleCall(ours, [WINDOW], impl, 'resize', ['t1', 'wide', 24]);
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.message).toMatch(/^resize\(cols\): /);
    expect(calls.size).toBe(0);
  });

  it('refuses a link that is not http(s) before the opener sees it', async () => {
    const { impl, calls } = countingImpl();
    const reply = await handleCall(ours, [WINDOW], impl, 'openExternal', ['file:///etc/passwd']);
    expect(reply).toEqual({
      ok: false,
      message: 'openExternal(url): only http:// and https:// links can be opened',
    });
    expect(calls.size).toBe(0);
  });

  it('refuses unknown methods and non-list arguments', async () => {
    const { impl } = countingImpl();
    expect(await handleCall(ours, [WINDOW], impl, 'require', ['fs'])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^unknown method "require"/),
    });
    expect(await handleCall(ours, [WINDOW], impl, 'kill', 't1')).toMatchObject({
      ok: false,
      message: 'kill: arguments must be a list',
    });
  });

  it('says in words when the engine is not running', async () => {
    expect(await handleCall(ours, [WINDOW], undefined, 'networkChanged', [])).toEqual({
      ok: false,
      message: 'The Holdfast engine is not running; restart the app.',
    });
  });

  it('turns an engine exception into its message, with no stack', async () => {
    const { impl } = countingImpl();
    const broken = {
      ...impl,
      networkChanged: () => {
        throw new Error('boom');
      },
    } as HoldfastMethods;
    const reply = await handleCall(ours, [WINDOW], broken, 'networkChanged', []);
    expect(reply).toEqual({ ok: false, message: 'boom' });
  });
});
