/**
 * Small promise wrappers around an ssh2 client, for tests that talk to the bed's sshd
 * without the engine in between.
 */
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';

/**
 * Connects and resolves once authenticated. Rejects with the client's error if it fails
 * before that (auth, host key, timeout). The caller ends the client (`client.end()`).
 */
export function connectSsh2(config: ConnectConfig): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const onError = (err: Error): void => {
      client.end();
      reject(err);
    };
    client.once('error', onError);
    client.once('ready', () => {
      client.off('error', onError);
      resolve(client);
    });
    client.connect(config);
  });
}

/** What a command run through {@link ssh2Exec} left behind. */
export interface Ssh2ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  /** Exit code, or null when the command died of a signal or the channel closed without one. */
  code: number | null;
  /** The signal name if the command died of one. */
  signal: string | undefined;
}

/**
 * Opens an exec channel; rejects if the server refuses it.
 *
 * ssh2 may parse the command's exit status in the same read as the open confirmation, so
 * an `'exit'` listener added after this promise resolves can miss it: add such listeners in
 * `attach`, which runs synchronously as the channel opens. (Data is never missed: the
 * channel is a paused stream until read.)
 */
export function ssh2Channel(
  client: Client,
  cmd: string,
  attach?: (channel: ClientChannel) => void,
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.exec(cmd, (err, channel) => {
      if (err) {
        reject(err);
        return;
      }
      attach?.(channel);
      resolve(channel);
    });
  });
}

/** Runs `cmd` and collects its output until the channel closes. */
export async function ssh2Exec(client: Client, cmd: string): Promise<Ssh2ExecResult> {
  let code: number | null = null;
  let signal: string | undefined;
  const channel = await ssh2Channel(client, cmd, (ch) =>
    ch.on('exit', (exitCode: number | null, exitSignal?: string) => {
      code = exitCode;
      signal = exitSignal;
    }),
  );
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    channel.on('data', (b: Buffer) => stdout.push(b));
    channel.stderr.on('data', (b: Buffer) => stderr.push(b));
    channel.on('close', () =>
      resolve({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), code, signal }),
    );
  });
}

/**
 * Closes `client` at once (for test cleanup). Errors from then on (the server or a fault
 * proxy resetting the connection meanwhile) are expected and ignored.
 */
export function closeSsh2(client: Client): void {
  client.on('error', () => undefined);
  client.destroy();
}
