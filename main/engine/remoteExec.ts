// Run one command over an SSH exec channel and collect what it prints (capped), with
// optional bytes for its stdin. The thin I/O edge every remote step goes through.

import type { RemoteClient as Client } from './transport/remoteClient';

/** Output kept per stream (1 MiB): enough for `ls --json` of thousands of sessions. */
export const MAX_EXEC_OUTPUT = 1 << 20;

export type ExecResult = { code: number | null; signal?: string; stdout: string; stderr: string };

export function remoteExec(
  client: Client,
  command: string,
  opts: { stdin?: Buffer; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    // `env` goes as SSH env requests before the command (the server's AcceptEnv filters).
    client.exec(command, opts.env ? { env: opts.env } : {}, (err, ch) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      const errs: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      let code: number | null = null;
      let signal: string | undefined;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              ch.close();
              reject(
                new Error(
                  `the server did not finish \`${command.split(' ')[0]}\` in ${opts.timeoutMs} ms`,
                ),
              );
            }, opts.timeoutMs);
      ch.on('data', (d: Buffer) => {
        if (outLen < MAX_EXEC_OUTPUT) out.push(d);
        outLen += d.length;
      });
      ch.stderr.on('data', (d: Buffer) => {
        if (errLen < MAX_EXEC_OUTPUT) errs.push(d);
        errLen += d.length;
      });
      ch.on('exit', (c: number | null, sig?: string) => {
        code = c;
        signal = sig ?? undefined;
      });
      ch.on('close', () => {
        if (timer) clearTimeout(timer);
        resolve({
          code,
          ...(signal ? { signal } : {}),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(errs).toString('utf8'),
        });
      });
      if (opts.stdin) ch.end(opts.stdin);
      else ch.end();
    });
  });
}

/** Quote one word for a POSIX shell. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
