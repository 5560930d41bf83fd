// -R over the system OpenSSH client: the master listens on the server (`ssh -O forward
// -R bind:port:127.0.0.1:RELAY`) and connects each arrival to RELAY, a loopback listener of
// ours; every connection reaching RELAY is handed to the engine as a 'tcp connection', as
// ssh2 does for its own forwarded-tcpip channels, so the forward set counts and relays it
// the same way whichever program carries the link.

import { spawn } from 'node:child_process';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { TcpConnectionInfo } from '../remoteClient';
import { muxControlArgs } from './sshArgs';

type OnConnection = (info: TcpConnectionInfo, accept: () => Duplex, reject: () => void) => void;

/** How long `ssh -O forward` may take to answer (ms): the master asks the server once. */
const CONTROL_TIMEOUT_MS = 15_000;

type Relay = { server: net.Server; bind: string; port: number; relayPort: number };

export class OpenSshRemoteForwards {
  private readonly _relays: Relay[] = [];

  constructor(
    private readonly _sshPath: string,
    private readonly _controlPath: string,
    private readonly _env: Record<string, string>,
    private readonly _onConnection: OnConnection,
  ) {}

  /** Asks the master to listen on the server; the bound port comes back (for port 0 too). */
  forwardIn(bind: string, port: number, cb: (err: Error | undefined, port: number) => void): void {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    server.on('error', () => {});
    server.listen(0, '127.0.0.1', () => {
      const relayPort = (server.address() as net.AddressInfo).port;
      const spec = `${bind === '' ? '*' : bind.includes(':') ? `[${bind}]` : bind}:${port}:127.0.0.1:${relayPort}`;
      void this._control(['-O', 'forward', '-R', spec]).then((r) => {
        if (!r.ok) {
          server.close();
          return cb(new Error(r.message), 0);
        }
        // For port 0 the master prints the port the server chose.
        const bound = port === 0 ? Number(/^(\d+)/.exec(r.stdout.trim())?.[1] ?? 0) : port;
        const relay: Relay = { server, bind, port: bound, relayPort };
        this._relays.push(relay);
        server.on('connection', (socket: net.Socket) =>
          this._onConnection(
            { destIP: bind, destPort: bound, srcIP: 'server', srcPort: 0 },
            () => {
              socket.resume();
              return socket;
            },
            () => socket.destroy(),
          ),
        );
        cb(undefined, bound);
      });
    });
  }

  unforwardIn(bind: string, port: number, cb?: (err?: Error | null) => void): void {
    const i = this._relays.findIndex((r) => r.bind === bind && r.port === port);
    const relay = i >= 0 ? this._relays.splice(i, 1)[0] : undefined;
    if (!relay) return void cb?.(null);
    relay.server.close();
    const spec = `${bind === '' ? '*' : bind}:${port}:127.0.0.1:${relay.relayPort}`;
    void this._control(['-O', 'cancel', '-R', spec]).then(() => cb?.(null));
  }

  /** The master is gone: so are its listeners on the server. */
  close(): void {
    for (const r of this._relays.splice(0)) r.server.close();
  }

  private _control(
    args: string[],
  ): Promise<{ ok: true; stdout: string } | { ok: false; message: string }> {
    return new Promise((resolve) => {
      const child = spawn(
        this._sshPath,
        [...muxControlArgs(this._controlPath), ...args, 'holdfast-mux'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: this._env,
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), CONTROL_TIMEOUT_MS);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ ok: false, message: e.message });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve({ ok: true, stdout: out });
        else
          resolve({ ok: false, message: err.trim().split('\n').pop() || `ssh -O exited ${code}` });
      });
    });
  }
}
