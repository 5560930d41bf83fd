// How the CLI asks: on the controlling terminal (/dev/tty), like ssh, so prompts work
// even when stdin and stdout are pipes. Without a terminal every question is cancelled
// and the engine reports what it needed.

import { openSync, closeSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import type { Prompter, PromptAnswer, PromptRequest } from '../main/engine/prompts';

function openTty(): { input: ReadStream; output: WriteStream; close(): void } | undefined {
  try {
    const fd = openSync('/dev/tty', 'r+');
    const input = new ReadStream(fd);
    const output = new WriteStream(fd);
    return {
      input,
      output,
      close: () => {
        input.destroy();
        try {
          closeSync(fd);
        } catch {
          // already closed with the stream
        }
      },
    };
  } catch {
    return undefined;
  }
}

/** Reads one line from the terminal; `hidden` turns echo off (passwords). */
async function ask(question: string, hidden: boolean): Promise<string | undefined> {
  const tty = openTty();
  if (!tty) return undefined;
  const { input, output } = tty;
  output.write(question);
  const wasRaw = input.isRaw;
  input.setRawMode(true);
  return new Promise((resolve) => {
    let line = '';
    const done = (v: string | undefined) => {
      input.setRawMode(wasRaw);
      input.off('data', onData);
      output.write('\r\n');
      tty.close();
      resolve(v);
    };
    const onData = (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(line);
        if (ch === '\u0003' || ch === '\u0004') return done(undefined);
        if (ch === '\u007f' || ch === '\b') {
          if (line.length > 0) {
            line = line.slice(0, -1);
            if (!hidden) output.write('\b \b');
          }
          continue;
        }
        line += ch;
        if (!hidden) output.write(ch);
      }
    };
    input.on('data', onData);
  });
}

export const cliPrompter: Prompter = async (req: PromptRequest): Promise<PromptAnswer> => {
  switch (req.kind) {
    case 'password': {
      const v = await ask(`${req.user}@${req.host}'s password: `, true);
      return v === undefined ? { kind: 'cancel' } : { kind: 'text', values: [v] };
    }
    case 'passphrase': {
      const v = await ask(`Enter passphrase for key '${req.keyPath}': `, true);
      return v === undefined ? { kind: 'cancel' } : { kind: 'text', values: [v] };
    }
    case 'keyboard-interactive': {
      const values: string[] = [];
      if (req.name || req.instructions)
        process.stderr.write(`${[req.name, req.instructions].filter(Boolean).join('\n')}\n`);
      for (const q of req.questions) {
        const v = await ask(q.text, !q.echo);
        if (v === undefined) return { kind: 'cancel' };
        values.push(v);
      }
      return { kind: 'text', values };
    }
    case 'unknown-host-key': {
      const where = req.port === 22 ? req.host : `[${req.host}]:${req.port}`;
      const v = await ask(
        `The authenticity of host '${where}' can't be established.\r\n` +
          `${req.keyType} key fingerprint is ${req.fingerprint}.\r\n` +
          `Are you sure you want to continue connecting (yes/no/once)? `,
        false,
      );
      const a = v?.trim().toLowerCase();
      if (a === 'yes') return { kind: 'host-key', decision: 'trust-and-remember' };
      if (a === 'once') return { kind: 'host-key', decision: 'trust-once' };
      return { kind: 'cancel' };
    }
  }
};
