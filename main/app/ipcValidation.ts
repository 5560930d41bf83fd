// The main-process side of one IPC call, without Electron: who may call (our own page, in
// the window's top frame) and what (the contract's method table and zod schemas, through
// the contract's own `dispatch`). main.ts passes plain facts about the sender; the reply is
// the contract's Reply envelope, so a refused call reaches the renderer as words, never a
// stack (the preload's client turns `{ ok: false, message }` into a ContractError).

import { dispatch, type HoldfastMethods, type Reply } from '../contract/api';
import { isAppUrl } from './security';

/** What main.ts knows about the frame that sent a call (from `event.senderFrame`). */
export type SenderFacts = {
  /** The frame's current URL; undefined when the frame is gone (navigated or destroyed). */
  url: string | undefined;
  /** Whether it is the top frame of its page (`frame.parent === null`). */
  isTopFrame: boolean;
  /** The id of the WebContents that sent it. */
  webContentsId: number;
};

/** Why a sender may not call, in words; undefined when it may. */
export function senderRefusal(
  sender: SenderFacts,
  allowedWebContents: number[],
): string | undefined {
  if (sender.url === undefined) return 'the calling page is gone';
  if (!allowedWebContents.includes(sender.webContentsId)) {
    return 'calls are only taken from the Holdfast window';
  }
  if (!sender.isTopFrame) return 'calls are only taken from the top frame of the Holdfast window';
  if (!isAppUrl(sender.url)) {
    return `calls are only taken from the Holdfast UI, not from ${originOf(sender.url)}`;
  }
  return undefined;
}

/**
 * Handles one `holdfast:call`: checks the sender, then validates the method name and
 * arguments against the contract and runs it (`dispatch` never throws). The UI's
 * arguments are validated here, once; the engine's results are not re-checked. `impl` is
 * undefined when the engine is not running; the reply then says so.
 */
export async function handleCall(
  sender: SenderFacts,
  allowedWebContents: number[],
  impl: HoldfastMethods | undefined,
  name: unknown,
  args: unknown,
): Promise<Reply> {
  const refusal = senderRefusal(sender, allowedWebContents);
  if (refusal) return { ok: false, message: `Refused a call: ${refusal}.` };
  if (!impl) {
    return { ok: false, message: 'The Holdfast engine is not running; restart the app.' };
  }
  // Arguments checked, results not: see DispatchOptions.
  return dispatch(impl, name, args, { checkResult: false });
}

/** The scheme and host of a URL for a message, never its path or query. */
function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host ? `${parsed.protocol}//${parsed.host}` : parsed.protocol;
  } catch {
    return 'an unknown page';
  }
}
