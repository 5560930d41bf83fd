// No agent fits and none can be built (or a ForceCommand runs instead): a plain SSH shell,
// honestly labelled: the tab says why and that it will not survive a disconnect.

import type { HostConnection } from './reconnect/hostConnection';
import type { TabHandle } from './tabHandle';
import type { ExecChannel, RemoteClient } from './transport/remoteClient';
import type { OpenTabRequest } from './types';

export function openPlainShell(
  conn: HostConnection,
  client: RemoteClient,
  req: OpenTabRequest,
  env: Record<string, string>,
  tab: TabHandle,
  reason: string,
  log: (m: string) => void,
): void {
  const notice = `Holdfast could not run its agent on this server (${reason}). This is a plain SSH shell: it will not survive a disconnect.`;
  tab.notice(notice);
  log(notice);
  const cmd = req.command?.join(' ');
  const opts = { term: 'xterm-256color', cols: req.cols, rows: req.rows };
  const onStream = (err: Error | undefined, ch: ExecChannel) => {
    if (err) return tab.fail('channel', `Could not open a shell: ${err.message}`);
    tab.bindPlain(ch, () =>
      conn.onLost(() =>
        tab.fail('disconnected', 'The connection was lost; this plain shell did not survive it.'),
      ),
    );
  };
  try {
    if (cmd) client.exec(cmd, { pty: opts, env }, onStream);
    else client.shell(opts, { env }, onStream);
  } catch (e) {
    tab.fail('disconnected', `Could not open a shell: ${(e as Error).message}`);
  }
}
