// A carrier takes one forwarded connection across to the server and back. The forward set
// (forwardSet.ts) owns listeners and bookkeeping; which kind of stream carries the bytes
// is the carrier's business, so a resumable one (a pipes session running
// `holdfast-agent nc HOST PORT`, whose offsets survive a reconnect) plugs in beside the
// plain one without the forward set changing.
//
// The plain carrier is what ssh does: a `direct-tcpip` channel (or direct-streamlocal for
// a Unix socket) on the connection that is up now, so it dies with that connection.

import type { Duplex } from 'node:stream';
import type { RemoteClient } from '../transport/remoteClient';
import type { Endpoint } from './forwardSpec';

/** Where the forwarded connection came from, as the SSH channel request tells the server. */
export type Origin = { address: string; port: number };

/** Why the server side could not be reached, sorted for the message and the SOCKS reply. */
export type CarrierRefusal = 'prohibited' | 'refused' | 'unreachable' | 'failed';

export type CarrierOpen =
  { ok: true; stream: Duplex } | { ok: false; why: CarrierRefusal; message: string };

export interface Carrier {
  /** For the CLI line and the panel: "SSH channel", "resumable (agent)". */
  readonly name: string;
  /** Whether a connection it carries outlives the SSH connection it was opened on. */
  readonly resumable: boolean;
  /** Opens a stream to `target` on the server's side, over `client` (the link that is up). */
  open(client: RemoteClient, target: Endpoint, origin: Origin): Promise<CarrierOpen>;
  /** Ends every connection it carries, on the server too (a resumable carrier's sessions
   * would outlive this process otherwise); settles within `timeoutMs`. */
  endAll?(timeoutMs: number): Promise<void>;
  /**
   * -R held by the carrier on the server (the agent listens), so the listener and each
   * connection through it outlive the link; absent: sshd's tcpip-forward, which does not.
   * `bind` as ssh sends it (bindAddress.ts), port 0 for any free one.
   */
  listen?(bind: string, port: number): RemoteListener;
}

/** What a carrier's remote listener says: bound, a connection arrived, or it cannot be. */
export type RemoteListenerEvent =
  | { kind: 'listening'; port: number }
  | { kind: 'connection'; n: number; from: string }
  | { kind: 'failed'; message: string };

export interface RemoteListener {
  onEvent(l: (e: RemoteListenerEvent) => void): void;
  /** Connection `n` as a stream (the client's side of it), or why it cannot be had. */
  take(n: number): Promise<CarrierOpen>;
  /** Stops listening on the server (resolves once it has); the connections taken go on. */
  close(): Promise<void>;
}

/** RFC 4254 §5.1 channel-open failure reasons. */
const OPEN_ADMINISTRATIVELY_PROHIBITED = 1;
const OPEN_CONNECT_FAILED = 2;

/** Sorts a channel-open failure the way the user can act on it. */
export function sortOpenFailure(err: Error & { reason?: number }, target: string): CarrierOpen {
  const text = err.message.replace(/^\(SSH\)\s*/, '');
  if (err.reason === OPEN_ADMINISTRATIVELY_PROHIBITED || /prohibited/i.test(text)) {
    return {
      ok: false,
      why: 'prohibited',
      message: `the server refused to open a connection to ${target} (administratively prohibited: AllowTcpForwarding or PermitOpen in its sshd_config)`,
    };
  }
  if (err.reason === OPEN_CONNECT_FAILED || /connect failed|refused/i.test(text)) {
    return {
      ok: false,
      why: 'refused',
      message: `the server could not connect to ${target} (${text}): is anything listening there?`,
    };
  }
  return { ok: false, why: 'failed', message: `could not open a connection to ${target}: ${text}` };
}

function targetText(t: Endpoint): string {
  return t.kind === 'unix' ? t.path : `${t.host ?? 'localhost'}:${t.port}`;
}

/** ssh's own way: one channel per connection, on the current link. */
export const plainSshCarrier: Carrier = {
  name: 'SSH channel',
  resumable: false,
  open(client, target, origin) {
    return new Promise((resolve) => {
      const done = (err: Error | undefined, stream: Duplex) =>
        resolve(err ? sortOpenFailure(err, targetText(target)) : { ok: true, stream });
      try {
        if (target.kind === 'unix') client.openssh_forwardOutStreamLocal(target.path, done);
        else
          client.forwardOut(
            origin.address,
            origin.port,
            target.host ?? 'localhost',
            target.port,
            done,
          );
      } catch (e) {
        // ssh2 throws synchronously when the connection is already gone
        resolve({
          ok: false,
          why: 'failed',
          message: `the connection is gone: ${(e as Error).message}`,
        });
      }
    });
  },
};
