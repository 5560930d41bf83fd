// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- every room that compiles this file needs the declaration, and an import of a .d.ts cannot carry it
/// <reference path="./ssh2-internals.d.ts" />
/**
 * A login with fewer round trips, for the reconnect that must be fast after a heal.
 *
 * ssh2, like OpenSSH's client, waits for each answer before the next request: the
 * service request (one round trip), the login (one), then each channel open (one). An
 * OpenSSH server reads its input in order and needs none of those waits:
 *
 * - The login follows the service request at once. sshd handles SERVICE_REQUEST, which
 *   installs its USERAUTH_REQUEST handler, before it reads the next packet.
 * - A channel open may follow a signed login that is expected to succeed (a key the server
 *   accepted before). sshd leaves what it has not read yet in its input buffer when the
 *   login succeeds and reads it as a logged-in connection. Had the login failed, sshd
 *   answers the open UNIMPLEMENTED and nothing else happens: the open is forgotten and the
 *   session's channel is opened the usual way, after the login that does succeed.
 *
 * Only for a server that says it is OpenSSH: another might close the connection on a
 * packet it did not expect yet. ssh2 has no option for either; the seams are its protocol
 * object's `service` and its SERVICE_ACCEPT handler, and the Client's channel opener.
 *
 * And a wait that is not a round trip: sshd keeps Nagle's algorithm on until a session
 * runs a command, so its small packets queue behind our delayed ACK; ackPromptly answers
 * every read at once (the README's rtt rows give what each saves).
 */
import type { Duplex } from 'node:stream';
import ssh2Utils from 'ssh2/lib/protocol/utils.js';

/** The one kind of early channel: straight to a session's Unix socket on the server. */
type ChannelResult = { err: Error | undefined; channel: Duplex | undefined };
type Waiter = (err: Error | undefined, channel: Duplex) => void;

/** Whether a server's software version (from its ident line) reads its input in order. */
export function pipelinesInOrder(remoteSoftware: string | undefined): boolean {
  return remoteSoftware !== undefined && /^OpenSSH_/.test(remoteSoftware);
}

type Proto = {
  service?: (name: string) => void;
  _handlers?: { SERVICE_ACCEPT?: (p: unknown, name: string) => void };
};
type ClientInternals = { _protocol?: Proto; _remoteVer?: string };

/**
 * Sends the first login request right behind the service request instead of waiting for
 * its acceptance. Returns false when this ssh2 has no such seam (logins keep their waits).
 */
export function installEarlyLogin(client: object): boolean {
  const c = client as ClientInternals;
  const proto = c._protocol;
  const handlers = proto?._handlers;
  if (!proto || typeof proto.service !== 'function' || !handlers) return false;
  const service = proto.service.bind(proto);
  proto.service = (name) => {
    service(name);
    const accepted = handlers.SERVICE_ACCEPT;
    if (name !== 'ssh-userauth' || !accepted || !pipelinesInOrder(c._remoteVer)) return;
    // The acceptance is taken as given now; the real one, when it comes, is not news.
    let pending = true;
    handlers.SERVICE_ACCEPT = (p, accName) => {
      if (pending && accName === 'ssh-userauth') {
        pending = false;
        return;
      }
      accepted(p, accName);
    };
    accepted(proto, 'ssh-userauth');
  };
  return true;
}

/** How long an early channel no tab asked for stays open before it is closed, in ms. */
const UNCLAIMED_MS = 15_000;

/**
 * Channels opened behind a login that should succeed, for the sessions a reconnect is
 * about to re-attach. The client's own `openssh_forwardOutStreamLocal` hands out the early
 * channel for a path once; any later call, any other path, or any call after the login
 * failed once opens a channel the usual way.
 */
export class EarlyChannels {
  private readonly _results = new Map<string, ChannelResult | Waiter[]>();
  private _void = false;
  private _opened = false;

  /** The client's own opener, for the early channels and every open not served by one. */
  private readonly _openRaw: (path: string, cb: Waiter) => unknown;

  constructor(
    client: { openssh_forwardOutStreamLocal(path: string, cb: Waiter): unknown },
    private readonly _paths: () => readonly string[],
    private readonly _log: (m: string) => void = () => {},
  ) {
    this._openRaw = client.openssh_forwardOutStreamLocal.bind(client);
    client.openssh_forwardOutStreamLocal = (path, cb) => {
      const r = this._results.get(path);
      if (r === undefined || this._void) return this._openRaw(path, cb);
      if (Array.isArray(r)) {
        r.push(cb);
      } else {
        this._results.delete(path);
        cb(r.err, r.channel as Duplex);
      }
      return client;
    };
  }

  /** The signed login request has gone out, with no failure before it: open now. */
  loginSent(): void {
    if (this._opened || this._void) return;
    this._opened = true;
    const paths = [...new Set(this._paths())];
    if (paths.length > 0) this._log(`opened ${paths.length} channel(s) behind the login`);
    for (const path of paths) {
      this._results.set(path, []);
      this._openRaw(path, (err, channel) => {
        const waiting = this._results.get(path);
        if (Array.isArray(waiting) && waiting.length > 0) {
          this._results.delete(path);
          for (const w of waiting) w(err, channel);
          return;
        }
        if (!Array.isArray(waiting)) {
          // The login failed after all: nobody will ask for it.
          channel?.destroy();
          return;
        }
        const result = { err, channel };
        this._results.set(path, result);
        setTimeout(() => {
          if (this._results.get(path) !== result) return;
          this._results.delete(path);
          channel?.destroy();
        }, UNCLAIMED_MS).unref?.();
      });
    }
  }

  /**
   * A login request failed: sshd did not open the early channels (it answered them
   * UNIMPLEMENTED). Anyone waiting opens afresh, once the login has succeeded. A failure
   * before they were opened (the `none` method a login may try first) says nothing of them.
   */
  loginFailed(): void {
    if (!this._opened || this._void) return;
    this._void = true;
    const waiting = [...this._results.entries()];
    this._results.clear();
    for (const [path, r] of waiting)
      if (Array.isArray(r)) for (const w of r) this._openRaw(path, w);
  }
}

/** An exec a tab runs as soon as its connection is up (a new tab's probe). */
export type ExecWant = { command: string; env?: Readonly<Record<string, string>> };

type ExecCallback = (err: Error | undefined, channel: Duplex) => void;
type ExecEntry = {
  want: ExecWant;
  result: ChannelResult | undefined;
  /** A caller took it: its callback waits here until the result comes. */
  claimed: ExecCallback | undefined;
  /** The login failed after it was asked for: its result is nobody's. */
  void: boolean;
};

const sameEnv = (a?: Readonly<Record<string, string>>, b?: Readonly<Record<string, string>>) => {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
};

/**
 * Exec channels opened behind a login that should succeed, for tabs that run a command as
 * soon as the connection is up (a new tab's probe). sshd sends its host-key list after
 * every login, and then a channel's confirmation: asked for after the login's success, the
 * confirmation waits behind that list for our acknowledgement (sshd's Nagle), a round trip;
 * asked for before, it leaves with the list. `client.exec` hands out an early channel of
 * the same command and environment once; any other exec, or one after the login failed,
 * opens the usual way.
 */
export class EarlyExecs {
  private readonly _entries: ExecEntry[] = [];
  private _opened = false;
  private _void = false;
  private readonly _execRaw: (cmd: string, opts: object, cb: ExecCallback) => unknown;

  constructor(
    client: { exec(cmd: string, opts: unknown, cb?: unknown): unknown },
    private readonly _wants: () => readonly ExecWant[],
    private readonly _log: (m: string) => void = () => {},
  ) {
    this._execRaw = client.exec.bind(client) as EarlyExecs['_execRaw'];
    client.exec = (cmd: string, optsOrCb: unknown, maybeCb?: unknown) => {
      const opts = (typeof optsOrCb === 'function' ? {} : (optsOrCb ?? {})) as {
        env?: Record<string, string>;
      };
      const cb = (typeof optsOrCb === 'function' ? optsOrCb : maybeCb) as ExecCallback;
      const onlyEnv = Object.keys(opts).every((k) => k === 'env');
      const e = this._void
        ? undefined
        : this._entries.find(
            (x) => !x.claimed && !x.void && x.want.command === cmd && sameEnv(x.want.env, opts.env),
          );
      if (!e || !onlyEnv) return this._execRaw(cmd, opts, cb);
      e.claimed = cb;
      this._log('an exec asked for behind the login was taken');
      if (e.result) cb(e.result.err, e.result.channel as Duplex);
      return client;
    };
  }

  /** The signed login request has gone out, with no failure before it: exec now. */
  loginSent(): void {
    if (this._opened || this._void) return;
    this._opened = true;
    const wants = this._wants();
    if (wants.length > 0) this._log(`opened ${wants.length} exec channel(s) behind the login`);
    for (const want of wants) {
      const e: ExecEntry = { want, result: undefined, claimed: undefined, void: false };
      this._entries.push(e);
      this._execRaw(want.command, want.env ? { env: want.env } : {}, (err, channel) => {
        if (e.void) {
          channel?.destroy();
          return;
        }
        e.result = { err, channel };
        if (e.claimed) {
          e.claimed(err, channel);
          return;
        }
        setTimeout(() => {
          if (e.claimed || e.void) return;
          e.void = true; // nobody came for it
          channel?.destroy();
        }, UNCLAIMED_MS).unref?.();
      });
    }
  }

  /** A login request failed: sshd turned the early execs away. Whoever took one execs
   * afresh (its request waits for the login's success like any other). A failure before
   * they were asked for (the `none` method a first login tries) says nothing of them. */
  loginFailed(): void {
    if (!this._opened || this._void) return;
    this._void = true;
    for (const e of this._entries) {
      if (e.result) continue;
      e.void = true;
      if (e.claimed)
        this._execRaw(e.want.command, e.want.env ? { env: e.want.env } : {}, e.claimed);
    }
  }
}

/** Calls `fn` on every USERAUTH_FAILURE, before ssh2 handles it; false without the seam. */
export function onLoginFailure(client: object, fn: () => void): boolean {
  const handlers = (client as { _protocol?: { _handlers?: Record<string, unknown> } })._protocol
    ?._handlers;
  const failed = handlers?.USERAUTH_FAILURE;
  if (!handlers || typeof failed !== 'function') return false;
  handlers.USERAUTH_FAILURE = (...args: unknown[]) => {
    fn();
    (failed as (...a: unknown[]) => void)(...args);
  };
  return true;
}

/**
 * Leaves OpenSSH's `hostkeys-00@openssh.com` (the server's list of host keys, sent after the
 * login with no reply wanted) unproven: ssh2 answers it with a `hostkeys-prove-00` request
 * whose result only its 'hostkeys' event uses, and we keep no such list (known_hosts is
 * the user's). That request's small reply reached sshd's socket just before the session's
 * first output, and with sshd's Nagle on (no command run) the output waited for our
 * acknowledgement of the reply: a round trip on every connect and reconnect (120 ms of a
 * resume at 120 ms RTT, seen on a real link). False without the seam.
 */
export function skipHostKeysProve(client: object): boolean {
  const proto = (client as { _protocol?: { requestSuccess?: () => void } })._protocol;
  const handlers = (proto as { _handlers?: Record<string, unknown> } | undefined)?._handlers;
  const global = handlers?.GLOBAL_REQUEST;
  if (!proto || !handlers || typeof global !== 'function') return false;
  handlers.GLOBAL_REQUEST = (p: unknown, name: string, wantReply: boolean, data: unknown) => {
    if (name !== 'hostkeys-00@openssh.com')
      return (global as (...a: unknown[]) => void)(p, name, wantReply, data);
    if (wantReply) proto.requestSuccess?.();
  };
  return true;
}

/** SSH_MSG_IGNORE (RFC 4253 §11.2): a packet the peer reads and drops. */
const MSG_IGNORE = 2;

type PacketWriter = {
  allocStart: number;
  alloc(n: number): Buffer;
  finalize(packet: Buffer): Buffer;
};

/**
 * Sends an empty SSH_MSG_IGNORE, so our kernel sends its TCP acknowledgement now rather
 * than up to 40 ms later (delayed ACK). sshd's socket keeps Nagle's algorithm on until a
 * session runs a command, so each small packet it sends behind an unacknowledged one
 * waits for that acknowledgement: right after the login, the channel confirmation does.
 */
export function sendIgnore(client: object): boolean {
  const proto = (
    client as { _protocol?: { _packetRW?: { write?: PacketWriter }; _kexinit?: unknown } }
  )._protocol;
  const w = proto?._packetRW?.write;
  // During a key exchange (a rekey) nothing but its own packets may go.
  if (!proto || !w || typeof w.alloc !== 'function' || proto._kexinit !== undefined) return false;
  const p = w.allocStart;
  const packet = w.alloc(1 + 4);
  packet[p] = MSG_IGNORE;
  packet.writeUInt32BE(0, p + 1);
  ssh2Utils.sendPacket(proto, w.finalize(packet));
  return true;
}

/** A read this big (bytes) is a bulk transfer's, whose segments the kernel acknowledges. */
const BULK_READ = 16 * 1024;

/**
 * Acknowledges at once what the server sent, when we had nothing to send back: after
 * each read that made us write nothing, an SSH_MSG_IGNORE goes out (see sendIgnore).
 * Without it the server's next small packet waits on our delayed ACK (40 ms on Linux, up
 * to 200 ms elsewhere) whenever sshd has Nagle's algorithm on, which it has on any
 * connection that has not run a command: a reconnect that only opens the session's
 * socket. One small packet per small read that had no answer.
 */
export function ackPromptly(
  transport: Duplex,
  client: { once(event: 'handshake', listener: () => void): unknown },
): void {
  // Not before the first key exchange is done: strict KEX allows nothing else before it.
  let keyed = false;
  client.once('handshake', () => (keyed = true));
  let wrote = false;
  let due = false;
  const write = transport.write.bind(transport) as (...a: unknown[]) => boolean;
  (transport as { write: (...a: unknown[]) => boolean }).write = (...args: unknown[]) => {
    wrote = true;
    return write(...args);
  };
  transport.on('data', (chunk: Buffer) => {
    wrote = false;
    // A big read is bulk: the kernel acknowledges every second full segment at once.
    if (due || chunk.length >= BULK_READ) return;
    due = true;
    // After ssh2 has handled this read and whatever it made us send.
    setImmediate(() => {
      due = false;
      if (keyed && !wrote && !transport.destroyed && transport.writable) sendIgnore(client);
    });
  });
}
