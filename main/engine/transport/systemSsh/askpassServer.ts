// The other end of SSH_ASKPASS: a tiny helper that ssh runs for each question, which
// hands the question to the engine over a Unix socket in the master's private 0700
// directory and prints the answer back for ssh. The helper runs on the same Node (or
// Electron as Node) as the engine, so nothing has to be installed.

import { randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** The longest question or answer line accepted (a host-key question is ~400 bytes). */
const MAX_LINE_BYTES = 16 * 1024;

// CommonJS, so it runs whatever the package's module type; no dependencies.
const HELPER_JS = `'use strict';
const net = require('net');
const s = net.connect(process.env.HOLDFAST_ASKPASS_SOCK);
let buf = '';
s.setEncoding('utf8');
s.on('connect', () => {
  s.write(JSON.stringify({
    token: process.env.HOLDFAST_ASKPASS_TOKEN,
    prompt: process.argv[2] || '',
    kind: process.env.SSH_ASKPASS_PROMPT || '',
  }) + '\\n');
});
s.on('data', (d) => { buf += d; });
s.on('end', () => {
  try {
    const r = JSON.parse(buf);
    if (typeof r.answer === 'string') {
      process.stdout.write(r.answer + '\\n');
      return;
    }
  } catch (e) {}
  process.exitCode = 1;
});
s.on('error', () => { process.exitCode = 1; });
`;

export type AskpassHandler = (prompt: string, kind: string) => Promise<string | undefined>;

export type AskpassServer = {
  /** Environment for the ssh master: SSH_ASKPASS and what the helper needs. */
  env: Record<string, string>;
  close(): void;
};

/** Writes the helper into `dir` (private, 0700) and answers its questions with `handle`. */
export async function startAskpass(dir: string, handle: AskpassHandler): Promise<AskpassServer> {
  const js = path.join(dir, 'askpass.cjs');
  const sh = path.join(dir, 'askpass');
  const sock = path.join(dir, 'askpass.sock');
  const token = randomBytes(16).toString('hex');
  await writeFile(js, HELPER_JS, { mode: 0o600 });
  // Electron's binary behaves as plain Node with ELECTRON_RUN_AS_NODE; Node ignores it.
  // Set here only, so nothing else ssh starts (a ProxyCommand) inherits it.
  await writeFile(
    sh,
    '#!/bin/sh\nELECTRON_RUN_AS_NODE=1 exec "$HOLDFAST_ASKPASS_NODE" "$HOLDFAST_ASKPASS_JS" "$@"\n',
    { mode: 0o700 },
  );
  await chmod(sh, 0o700);
  const server = net.createServer((c) => {
    let buf = '';
    c.setEncoding('utf8');
    c.on('error', () => c.destroy());
    c.on('data', (d: string) => {
      buf += d;
      if (buf.length > MAX_LINE_BYTES) return c.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      c.removeAllListeners('data');
      let q: { token?: unknown; prompt?: unknown; kind?: unknown };
      try {
        q = JSON.parse(buf.slice(0, nl)) as typeof q;
      } catch {
        return c.destroy();
      }
      if (q.token !== token || typeof q.prompt !== 'string') return c.destroy();
      void handle(q.prompt, typeof q.kind === 'string' ? q.kind : '').then(
        (answer) => c.end(JSON.stringify(answer === undefined ? {} : { answer })),
        () => c.end('{}'),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock, () => resolve());
  });
  server.unref();
  return {
    env: {
      SSH_ASKPASS: sh,
      SSH_ASKPASS_REQUIRE: 'force',
      HOLDFAST_ASKPASS_NODE: process.execPath,
      HOLDFAST_ASKPASS_JS: js,
      HOLDFAST_ASKPASS_SOCK: sock,
      HOLDFAST_ASKPASS_TOKEN: token,
    },
    close: () => server.close(),
  };
}
