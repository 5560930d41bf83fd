// What the engine needs of an SSH connection, whichever program carries it: an ssh2
// Client (the default) or the system OpenSSH client (systemSsh/systemSshClient.ts) for
// hosts whose ssh_config asks for what ssh2 cannot do. Only the calls the engine makes.

import type { Duplex, Readable } from 'node:stream';

/** A pseudo-terminal request, as ssh2 takes it. */
export type PtyRequest = { rows?: number; cols?: number; term?: string };

/** Options of an exec: SSH env requests before the command, and an optional terminal. */
export type RemoteExecOptions = { env?: Record<string, string>; pty?: PtyRequest | boolean };

/**
 * One command's channel: stdin is the writable side, stdout the readable side. Emits
 * 'exit' (code, or null and a signal name) when the command ends, then 'close'.
 */
export interface ExecChannel extends Duplex {
  readonly stderr: Readable;
  setWindow(rows: number, cols: number, height: number, width: number): void;
  signal(signalName: string): void;
  close(): void;
}

export type ExecCallback = (err: Error | undefined, channel: ExecChannel) => void;

/** An authenticated SSH connection. Emits 'close' when it is gone, 'error' on the way. */
export interface RemoteClient {
  exec(command: string, options: RemoteExecOptions, callback: ExecCallback): unknown;
  exec(command: string, callback: ExecCallback): unknown;
  shell(window: PtyRequest | false, options: RemoteExecOptions, callback: ExecCallback): unknown;
  /** A channel straight to a Unix socket on the server (OpenSSH's direct-streamlocal). */
  openssh_forwardOutStreamLocal(
    socketPath: string,
    callback: (err: Error | undefined, channel: Duplex) => void,
  ): unknown;
  /** A `direct-tcpip` channel: the server connects to dstIP:dstPort (ssh -L). */
  forwardOut(
    srcIP: string,
    srcPort: number,
    dstIP: string,
    dstPort: number,
    callback: (err: Error | undefined, channel: Duplex) => void,
  ): unknown;
  /** Asks the server to listen (ssh -R); the port it bound comes back (for port 0). */
  forwardIn(
    bindAddr: string,
    bindPort: number,
    callback: (err: Error | undefined, port: number) => void,
  ): unknown;
  unforwardIn(bindAddr: string, bindPort: number, callback?: (err?: Error | null) => void): unknown;
  end(): unknown;
  destroy(): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  /** A connection to a port the server listens on for us (forwardIn). */
  on(
    event: 'tcp connection',
    listener: (info: TcpConnectionInfo, accept: () => Duplex, reject: () => void) => void,
  ): unknown;
  removeListener(
    event: 'tcp connection',
    listener: (info: TcpConnectionInfo, accept: () => Duplex, reject: () => void) => void,
  ): unknown;
}

/** Where a forwarded-tcpip connection arrived and came from. */
export type TcpConnectionInfo = {
  destIP: string;
  destPort: number;
  srcIP: string;
  srcPort: number;
};

/** A client that says itself when it heard from the server (the OpenSSH transport). */
export interface TrafficReporter {
  onTraffic(listener: () => void): void;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * The supervisor's proof that a link is alive is every byte heard on its transport; the
 * OpenSSH transport has no socket of ours and reports what its ssh process heard instead.
 */
export function trafficOf(client: TrafficReporter): {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
} {
  return { on: (_event, listener) => client.onTraffic(() => listener(NO_BYTES)) };
}
