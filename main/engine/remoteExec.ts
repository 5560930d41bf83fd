// Every command the engine runs on a server goes through here: probe, install, build,
// `new`, `ls`, `kill` and the `bridge` a tab speaks the protocol through.
//
// A server's login shell sits between us and `/bin/sh`: sshd runs `$SHELL -c COMMAND`,
// and that shell first reads the account's start-up files (a `.bashrc` or `.zshenv` that
// prints a banner, a `config.fish`, a `.cshrc`), and then parses COMMAND with its own
// syntax (csh has no multi-line quotes, fish turns `\\` into `\` inside single quotes).
// So the command line we send is one fixed string that every shell parses the same way
// (BOOTSTRAP): it replaces the login shell with `/bin/sh`, which reads one line of script
// from stdin. Our real script travels on stdin, never through the login shell's parser.
//
// Whatever the start-up files print lands on stdout and stderr *before* our script runs.
// The script's first act is to print a marker made of random bytes chosen for this one
// exec, on both streams; everything before it is discarded and never reaches a parser or
// a tab. The marker itself is not on the command line or anywhere a start-up file could
// read it: only the stdin line holds it, and `printf` assembles it from two halves, so
// not even a start-up file that echoes its stdin could produce the whole.

import { randomBytes } from 'node:crypto';
import type { ExecChannel, RemoteClient as Client } from './transport/remoteClient';

/** Output kept per stream (1 MiB): enough for `ls --json` of thousands of sessions. */
export const MAX_EXEC_OUTPUT = 1 << 20;

/**
 * What a start-up file may print before our marker and still have it found (1 MiB):
 * banners are a few lines; past this the oldest bytes are dropped, only the tail that
 * could hold the start of a marker is kept.
 */
const MAX_PREAMBLE = 1 << 20;

/**
 * The one command line sent to every server: parsed alike by sh, bash, dash, zsh, ksh,
 * busybox ash, fish, csh and tcsh (a single line, single quotes, no backslash, no `!`).
 * `read -r` reads stdin one byte at a time from a pipe, so what follows our line on
 * stdin (an upload, the protocol) is left for the script.
 */
export const BOOTSTRAP = `exec /bin/sh -c 'read -r s; eval "$s"'`;

/**
 * Directories searched after the account's own PATH: a start-up file or a server's
 * defaults may leave PATH without the POSIX tools our scripts use (mkdir, cat, cksum).
 */
const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';

export type ExecResult = {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  /**
   * Our script ran: its marker arrived on stdout. False when the server ran something
   * else (a ForceCommand, a restricted shell) or could not start `/bin/sh`.
   */
  ran: boolean;
  /** What came before the marker on stderr (start-up files, or sshd/the shell's error). */
  preamble: string;
};

/** Quote one word for a POSIX shell. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quote one word for a script that must fit on one line: newlines are spliced in from
 * `$HF_NL`, which {@link scriptLine} defines when a script uses it.
 */
export function shqLine(s: string): string {
  return s.split('\n').map(shq).join('"$HF_NL"');
}

/** A fresh marker for one exec. */
export function newMarker(): string {
  return `HF-SYNC-${randomBytes(16).toString('hex')}`;
}

/**
 * The line written to BOOTSTRAP's stdin: say where our output starts, on both streams,
 * then run `script` (one line; statements separated by `;`).
 */
export function scriptLine(marker: string, script: string): string {
  if (script.includes('\n') || script.includes('\r'))
    throw new Error('remote script must be one line (use shqLine for values with newlines)');
  const half = marker.length >> 1;
  const a = marker.slice(0, half);
  const b = marker.slice(half);
  const nl = script.includes('$HF_NL') ? `HF_NL=$(printf '\\nx'); HF_NL=\${HF_NL%x}; ` : '';
  return (
    `PATH="\${PATH:-/bin}:${FALLBACK_PATH}"; export PATH; ${nl}` +
    `printf '%s%s\\n' ${a} ${b}; printf '%s%s\\n' ${a} ${b} >&2; ${script}\n`
  );
}

/**
 * Drops everything on a stream before the marker line, and the line itself; passes the
 * rest through unchanged. Pure: bytes in, bytes out.
 */
export class MarkerSync {
  private readonly _needle: Buffer;
  private _pending: Buffer = Buffer.alloc(0);
  private _found = false;
  private _dropped = 0;
  /** Text seen before the marker (capped), for error messages. */
  private _preamble = '';

  constructor(marker: string) {
    this._needle = Buffer.from(`${marker}\n`);
  }

  get found(): boolean {
    return this._found;
  }
  /** Text seen before the marker so far (capped), including a tail still held back. */
  get preamble(): string {
    if (this._found || this._pending.length === 0) return this._preamble;
    return (this._preamble + this._pending.toString('utf8')).slice(0, 4096);
  }

  /** The bytes of `chunk` that come after the marker (empty until it is found). */
  push(chunk: Buffer): Buffer {
    if (this._found) return chunk;
    const buf = this._pending.length ? Buffer.concat([this._pending, chunk]) : chunk;
    const at = buf.indexOf(this._needle);
    if (at >= 0) {
      this._found = true;
      this._note(buf.subarray(0, at));
      this._pending = Buffer.alloc(0);
      return buf.subarray(at + this._needle.length);
    }
    // Keep only what could still be the start of the marker.
    const keep = Math.min(buf.length, this._needle.length - 1);
    this._note(buf.subarray(0, buf.length - keep));
    this._pending = Buffer.from(buf.subarray(buf.length - keep));
    return Buffer.alloc(0);
  }

  /** The stream ended: whatever never got past the marker. */
  end(): void {
    if (!this._found) this._note(this._pending);
    this._pending = Buffer.alloc(0);
  }

  private _note(b: Buffer): void {
    if (b.length === 0) return;
    this._dropped += b.length;
    if (this._dropped <= MAX_PREAMBLE && this._preamble.length < 4096)
      this._preamble += b.toString('utf8').slice(0, 4096 - this._preamble.length);
  }
}

export type RemoteChannel = {
  channel: ExecChannel;
  /** Filters for stdout and stderr; feed every chunk through them. */
  stdout: MarkerSync;
  stderr: MarkerSync;
};

/**
 * Opens an exec channel running `script` under `/bin/sh`, with our line already written
 * to its stdin. The caller reads through the two filters and writes what else stdin
 * should carry.
 */
export function openRemote(
  client: Pick<Client, 'exec'>,
  script: string,
  opts: { env?: Record<string, string> } = {},
): Promise<RemoteChannel> {
  const marker = newMarker();
  const line = scriptLine(marker, script);
  return new Promise((resolve, reject) => {
    // `env` goes as SSH env requests before the command (the server's AcceptEnv filters).
    client.exec(BOOTSTRAP, opts.env ? { env: opts.env } : {}, (err, ch) => {
      if (err) return reject(err);
      ch.write(line);
      resolve({ channel: ch, stdout: new MarkerSync(marker), stderr: new MarkerSync(marker) });
    });
  });
}

/**
 * What a script may ask the client half way (one round trip instead of a second exec):
 * once the line `after` shows on stdout, `send` is given the stdout so far and returns
 * the rest of stdin (then closed, unless `keepOpen`: a handoff's program reads on), or
 * nothing (stdin closed at once); from then on `timeoutMs` bounds the rest. Until then
 * stdin stays open.
 */
export type ExecReply = {
  after: string;
  send(stdout: string): Buffer | { bytes: Buffer; keepOpen: true } | undefined;
  timeoutMs: number;
};

/**
 * A script that may end by replacing itself with a long-lived program on the same channel
 * (the probe's `exec holdfast-agent bridge`): `ahead` goes on stdin right behind the script
 * line (what that program reads first), and once stdout holds a whole line `handoff`
 * accepts, collecting stops and the open channel is the caller's, paused, with the bytes
 * that followed that line.
 */
export type ExecHandoff = {
  ahead?: Buffer;
  accepts(line: string): boolean;
};

/** The channel a script handed over (ExecHandoff): paused, its marker already read. */
export type HandedOff = RemoteChannel & {
  /** Stdout bytes that followed the handoff line. */
  rest: Buffer;
};

/** Runs one script and collects what it prints (capped), with optional bytes for stdin. */
export async function remoteExec(
  client: Pick<Client, 'exec'>,
  script: string,
  opts: {
    stdin?: Buffer;
    timeoutMs?: number;
    env?: Record<string, string>;
    reply?: ExecReply;
    handoff?: ExecHandoff;
    /** Written right behind the script line, ahead of `handoff.ahead`; stdin stays open
     * (with `reply` or `handoff`). */
    lead?: Buffer;
  } = {},
): Promise<ExecResult & { handedOff?: HandedOff }> {
  const { channel: ch, stdout, stderr } = await openRemote(client, script, opts);
  if (opts.lead) ch.write(opts.lead);
  if (opts.handoff?.ahead) ch.write(opts.handoff.ahead);
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let code: number | null = null;
    let signal: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = (ms: number | undefined): void => {
      clearTimeout(timer);
      if (ms === undefined) return;
      timer = setTimeout(() => {
        ch.close();
        reject(new Error(`the server did not finish \`${script.split(' ')[0]}\` in ${ms} ms`));
      }, ms);
    };
    limit(opts.timeoutMs);
    // The reply's line: a whole line of stdout.
    const asked = opts.reply ? `\n${opts.reply.after}\n` : undefined;
    let replied = false;
    const onData = (d: Buffer) => {
      const b = stdout.push(d);
      if (outLen < MAX_EXEC_OUTPUT && b.length) out.push(b);
      outLen += b.length;
      if (opts.handoff && b.length) {
        const all = Buffer.concat(out);
        const line = handoffLine(all, opts.handoff);
        if (line) {
          clearTimeout(timer);
          ch.pause();
          ch.stderr.pause();
          ch.removeListener('data', onData);
          ch.stderr.removeListener('data', onErr);
          ch.removeListener('exit', onExit);
          ch.removeListener('close', onClose);
          resolve({
            code: null,
            stdout: all.subarray(0, line.end).toString('utf8'),
            stderr: Buffer.concat(errs).toString('utf8'),
            ran: true,
            preamble: '',
            handedOff: { channel: ch, stdout, stderr, rest: all.subarray(line.end) },
          });
          return;
        }
      }
      if (opts.reply && asked && !replied && b.length) {
        const text = Buffer.concat(out).toString('utf8');
        if (!`\n${text}`.includes(asked)) return;
        replied = true;
        limit(opts.reply.timeoutMs);
        const rest = opts.reply.send(text);
        if (rest && !Buffer.isBuffer(rest)) ch.write(rest.bytes);
        else if (rest) ch.end(rest);
        else ch.end();
      }
    };
    const onErr = (d: Buffer) => {
      const b = stderr.push(d);
      if (errLen < MAX_EXEC_OUTPUT && b.length) errs.push(b);
      errLen += b.length;
    };
    const onExit = (c: number | null, sig?: string) => {
      code = c;
      signal = sig ?? undefined;
    };
    const onClose = () => {
      clearTimeout(timer);
      stdout.end();
      stderr.end();
      resolve({
        code,
        ...(signal ? { signal } : {}),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(errs).toString('utf8'),
        ran: stdout.found,
        preamble: stderr.found ? '' : stderr.preamble.trim(),
      });
    };
    ch.on('data', onData);
    ch.stderr.on('data', onErr);
    ch.on('exit', onExit);
    ch.on('close', onClose);
    if (opts.reply || opts.handoff) return;
    if (opts.stdin) ch.end(opts.stdin);
    else ch.end();
  });
}

/** The first whole line of `out` that `h` accepts: where the bytes after it start. */
function handoffLine(out: Buffer, h: ExecHandoff): { end: number } | undefined {
  for (let start = 0; ;) {
    const nl = out.indexOf(0x0a, start);
    if (nl < 0) return undefined;
    if (h.accepts(out.subarray(start, nl).toString('utf8'))) return { end: nl + 1 };
    start = nl + 1;
  }
}

/**
 * Why a script did not run, in words, from a result whose marker never came: the
 * server's own message when it gave one, else the likely cause.
 */
export function notRunReason(r: ExecResult): string {
  const said = r.preamble.split('\n').slice(-3).join(' ').trim();
  if (said) return `the server did not run Holdfast's command (${said})`;
  return (
    'the server did not run Holdfast\'s command (a "ForceCommand" or restricted shell for ' +
    `this account runs something else; exit ${r.code ?? r.signal ?? 'unknown'})`
  );
}

/** Where an agent is: its binary and its directory (HOLDFAST_DIR). */
export type AgentPlace = { agentPath: string; holdfastDir: string };

/** Script words that point the agent at its directory, whatever the account's setup. */
function agentEnv(agent: AgentPlace): string {
  return `HOLDFAST_DIR=${shq(agent.holdfastDir)}; export HOLDFAST_DIR`;
}

/** A script that runs the agent with these arguments, replacing `/bin/sh`. */
export function agentScript(agent: AgentPlace, args: string[]): string {
  return [`${agentEnv(agent)}; exec ${shq(agent.agentPath)}`, ...args.map(shqLine)].join(' ');
}
