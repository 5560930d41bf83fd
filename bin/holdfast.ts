// `holdfast`: resumable SSH sessions from any terminal. The same engine as the app.
//
//   holdfast [options] DESTINATION [--] [COMMAND...]
//   holdfast sessions [options] DESTINATION
//   holdfast kill [options] DESTINATION ID
//
// Exit status: the remote command's; 255 for connection, authentication and host-key
// failures (like ssh); 2 for a bad command line.

import { spawnSync } from 'node:child_process';
import { Command, CommanderError, Option } from 'commander';
import { accessSync, constants } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { AgentBundle } from '../main/engine/deploy/agentBundle';
import { Engine } from '../main/engine/engine';
import { pollNetwork } from '../main/engine/reconnect/networkWatch';
import type { Destination, TabState } from '../main/engine/types';
import type { ForwardSpecInput } from '../main/engine/engine';
import { parseForward, type ForwardKind } from '../main/engine/forward/forwardSpec';
import { configDir, resolveProfileDestination } from '../main/engine/profiles';
import { AGENTS_SEEN_FILE, FileAgentsSeen } from '../main/engine/deploy/agentsSeen';
import { cliPrompter } from './cliPrompter';
import { registerProfilesCommand } from './profilesCommand';
import { EscapeScanner } from './escape';
import type { LocalEcho } from './localEcho';
import { PipeOutput, pipeStdin, wirePipeInput } from './pipeIo';
import { chooseTty } from './ttyChoice';

const VERSION = '0.1.0';

type ConnOpts = {
  /** -t, counted (-tt: a terminal even without a local one) */
  tty?: number;
  /** -T: no terminal */
  pty?: boolean;
  port?: number;
  login?: string;
  identity?: string[];
  config?: string;
  jump?: string;
  option?: string[];
  name?: string;
  attach?: string;
  verbose?: boolean;
  /** -A (true) / -a (false): ForwardAgent, over ssh_config. */
  forwardAgent?: boolean;
  localForward?: string[];
  remoteForward?: string[];
  dynamicForward?: string[];
  /** -N: no command, no session: only the forwards. */
  forwardOnly?: boolean;
};

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** -L/-R/-D: checked here, so a typo is a bad command line (exit 2) naming the form. */
function forwardArg(kind: ForwardKind): (v: string, prev?: string[]) => string[] {
  return (v, prev = []) => {
    const r = parseForward(kind, v);
    if (!r.ok) throw new CommanderError(2, 'holdfast.forward', r.message);
    return [...prev, v];
  };
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new CommanderError(2, 'holdfast.port', `bad port '${v}': use a number from 1 to 65535`);
  }
  return n;
}

function addConnOptions(c: Command): Command {
  return c
    .addOption(new Option('-p, --port <port>', 'port to connect to').argParser(port))
    .option('-l, --login <user>', 'user to log in as')
    .option('-i, --identity <file>', 'private key file (repeatable)', collect)
    .option('-F, --config <file>', 'ssh_config file (default ~/.ssh/config)')
    .option('-J, --jump <hosts>', 'jump hosts, comma-separated (ProxyJump)')
    .option('-o, --option <Key=Value>', 'ssh_config option (repeatable)', collect)
    .option('-v, --verbose', 'log what the engine does to stderr');
}

function destination(dest: string, o: ConnOpts): Destination {
  // -A / -a are ForwardAgent on the command line, ahead of any -o (first wins).
  const forward =
    o.forwardAgent === undefined ? [] : [`ForwardAgent=${o.forwardAgent ? 'yes' : 'no'}`];
  const options = [...forward, ...(o.option ?? [])];
  return {
    destination: dest,
    ...(o.port ? { port: o.port } : {}),
    ...(o.login ? { user: o.login } : {}),
    ...(o.identity ? { identityFiles: o.identity } : {}),
    ...(o.config ? { configFile: o.config } : {}),
    ...(o.jump ? { jump: o.jump } : {}),
    ...(options.length ? { options } : {}),
    ...(forwardsOf(o).length > 0 ? { forwards: forwardsOf(o) } : {}),
  };
}

/** -L/-R/-D in order of kind, as ssh collects them (ahead of ssh_config's). */
function forwardsOf(o: ConnOpts): ForwardSpecInput[] {
  return [
    ...(o.localForward ?? []).map((spec) => ({ kind: 'local' as const, spec })),
    ...(o.remoteForward ?? []).map((spec) => ({ kind: 'remote' as const, spec })),
    ...(o.dynamicForward ?? []).map((spec) => ({ kind: 'dynamic' as const, spec })),
  ];
}

// Like ssh: an -i file that cannot be read gets a warning even when another key logs in,
// or a typo would go unnoticed. (`~` and `%` forms are expanded later, by ssh_config rules.)
function warnUnreadableIdentities(files: string[] | undefined): void {
  for (const f of files ?? []) {
    if (f.startsWith('~') || f.includes('%')) continue;
    try {
      accessSync(f, constants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
      process.stderr.write(`holdfast: warning: identity file ${f} is not accessible: ${why}\n`);
    }
  }
}

function makeEngine(o: ConnOpts): Engine {
  warnUnreadableIdentities(o.identity);
  return new Engine({
    prompter: cliPrompter,
    clientName: `holdfast-cli/${VERSION}`,
    agentsSeen: new FileAgentsSeen(path.join(configDir(), AGENTS_SEEN_FILE)),
    ...(o.verbose ? { log: (m: string) => process.stderr.write(`holdfast: ${m}\r\n`) } : {}),
  });
}

function fail(message: string, code = 255): never {
  process.stderr.write(`holdfast: ${message}\n`);
  process.exit(code);
}

/** Exits once what we wrote to stdout and stderr has left this process. (An empty
 * `write('', cb)` on a pipe whose earlier writes needed 'drain' may never call back.) */
function flushThenExit(code: number): void {
  const pending = [process.stdout, process.stderr].filter((w) => w.writableLength > 0);
  if (pending.length === 0) process.exit(code);
  let left = pending.length;
  for (const w of pending) w.once('drain', () => --left === 0 && process.exit(code));
}

function describeState(s: TabState): string | undefined {
  const now = Date.now();
  switch (s.kind) {
    case 'reconnecting': {
      const next = Math.max(0, Math.round((s.nextTryAt - now) / 100) / 10);
      return `reconnecting (attempt ${s.attempt}, offline ${Math.round((now - s.since) / 1000)} s, next try in ${next} s${s.lastError ? `; last: ${s.lastError}` : ''})`;
    }
    case 'reattaching': {
      const next = Math.max(0, Math.round((s.nextTryAt - now) / 100) / 10);
      return `not attached: ${s.reason} (attempt ${s.attempt}, next try in ${next} s)`;
    }
    case 'offline':
      return `offline for ${Math.round((now - s.since) / 1000)} s; waiting for the network`;
    case 'needs-input':
      return 'needs you: answer the prompt to reconnect';
    default:
      return undefined;
  }
}

/**
 * Output post-processing off, as ssh sets it: Node's raw mode keeps ONLCR, so every CR LF
 * the remote terminal sends would reach the screen as CR CR LF. Leaving raw mode restores
 * the terminal's saved settings, this one included.
 */
function rawOutput(): void {
  spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
}

async function runSession(dest: string, command: string[], o: ConnOpts): Promise<never> {
  const engine = makeEngine(o);
  const chosen = await resolveProfileDestination(destination(dest, o));
  if (chosen.notice) process.stderr.write(`holdfast: ${chosen.notice}\n`);
  const interactiveTerminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const forwards = await startForwards(engine, chosen.destination, chosen.session.forwards ?? [], {
    verbose: o.verbose === true || o.forwardOnly === true,
    lineEnd: interactiveTerminal && !o.forwardOnly ? '\r\n' : '\n',
    endOnSignal: o.forwardOnly === true,
  });
  if (o.forwardOnly) {
    watchNetwork(engine);
    // -N: nothing but the forwards, until interrupted (like ssh -N)
    if (forwards.count === 0)
      process.stderr.write('holdfast: -N with no forwards: holding the connection only\n');
    return new Promise<never>(() => {});
  }
  const run = command.length > 0 ? command : (chosen.session.command ?? []);
  const stdinTty = process.stdin.isTTY === true;
  const resolved = await engine.resolve(chosen.destination);
  const choice = chooseTty(
    { t: o.tty ?? 0, T: o.pty === false },
    stdinTty,
    process.stdout.isTTY === true,
    resolved.ok ? resolved.value.requestTty : undefined,
  );
  if (choice.warning) process.stderr.write(choice.warning);
  // By id, the session says whether it has a terminal; ours decides a new one's.
  const askPipes = o.attach !== undefined || !choice.pty;
  // Whether the session has no terminal: known for a new one, learned on attach by id.
  let pipes: boolean | undefined = o.attach ? undefined : !choice.pty;
  let interactive = stdinTty && (o.attach ? process.stdout.isTTY === true : choice.pty);
  const size = () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
  // HoldfastPredict as the destination's ssh_config (or -o) says; a bad config is reported by
  // the dial.
  const mode = interactive ? (resolved.ok ? (resolved.value.predict ?? 'auto') : 'never') : 'never';
  // Local echo prediction: drawn on this terminal, over the session's untouched output.
  // Loaded only here: its screen model (xterm) costs 45 ms of start-up that a command
  // without a terminal, timed like `ssh host cmd`, should not pay.
  const echo: LocalEcho | undefined =
    mode === 'never'
      ? undefined
      : new (await import('./localEcho')).LocalEcho(mode, size(), (s) => process.stdout.write(s));
  /** Text of ours for the terminal (status, notices): the screen model sees it too. */
  const local = (stream: NodeJS.WriteStream, text: string, done?: () => void): void => {
    const undraw = echo?.beforeOutput();
    if (undraw) process.stdout.write(undraw);
    stream.write(text, done);
    echo?.output(text);
  };
  const tab = engine.openPipeTab({
    ...chosen.destination,
    ...size(),
    ...(o.name ? { name: o.name } : {}),
    // By id the CLI does not know yet whether the session has a terminal, so it attaches
    // as a pipes client (ATTACH_PIPES), which a terminal session answers from the start of
    // what it holds: all of it, never a tail.
    ...(o.attach ? { attach: o.attach, replay: 'all' } : {}),
    ...(run.length > 0 ? { command: run } : {}),
    ...(chosen.session.env ? { env: chosen.session.env } : {}),
    ...(askPipes ? { pipes: true } : {}),
  });
  const io = {
    stdin: pipeStdin(), // process.stdin but for a file
    stdout: process.stdout,
    stderr: process.stderr,
  };
  const pipeOut = new PipeOutput(tab, io);
  // Our stdout closed (`holdfast host -- yes | head -1`): as ssh's channel closing ends the
  // command (SIGPIPE at its next write), end the session rather than leave it waiting.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') return exit(255, `holdfast: cannot write the output: ${e.message}`);
    void tab.kill().finally(() => process.exit(255));
  });

  let statusShown = false;
  // Without a terminal stderr is the command's: our status lines only where a person
  // reads them, or with -v (ssh prints none).
  const status = (line: string | undefined) => {
    if (line) {
      if (pipes && !process.stderr.isTTY && !o.verbose) return;
      local(process.stderr, interactive ? `\r\x1b[2K[holdfast] ${line}` : `holdfast: ${line}\n`);
      statusShown = true;
    } else if (statusShown) {
      if (interactive) local(process.stderr, '\r\x1b[2K');
      statusShown = false;
    }
  };

  const restore = () => {
    if (process.stdin.isTTY && process.stdin.isRaw) process.stdin.setRawMode(false);
  };
  const exit = (code: number, message?: string) => {
    const undraw = echo?.beforeOutput();
    if (undraw) process.stdout.write(undraw);
    if (echo && o.verbose) {
      const s = echo.predictor.stats;
      const rtt = echo.predictor.rttMs;
      process.stderr.write(
        `holdfast: local echo (${mode}): ${s.shown} keys drawn, ${s.confirmed} confirmed, ${s.mispredicted} mispredictions${rtt === undefined ? '' : `, echo ${Math.round(rtt)} ms`}\r\n`,
      );
    }
    restore();
    status(undefined);
    if (message) process.stderr.write(`${message}\n`);
    // Forwarded connections carried by the agent are sessions of their own on the server:
    // end them with us (bounded), as ssh's channels close with ssh.
    void forwards.end().finally(() => flushThenExit(code));
  };

  tab.onOutput((d, offset) => {
    if (statusShown) status(undefined);
    if (pipes) return pipeOut.stdout(d, offset);
    const end = offset + BigInt(d.length);
    const undraw = echo?.beforeOutput();
    if (undraw) process.stdout.write(undraw);
    // Shown once on the terminal and, with local echo, in its screen model too.
    let waiting = echo ? 2 : 1;
    const shown = () => {
      if (--waiting === 0) tab.shown(end);
    };
    if (!process.stdout.write(d, shown)) {
      tab.pause();
      process.stdout.once('drain', () => tab.resume());
    }
    echo?.output(d, shown);
  });
  tab.onStderr((d, offset) => pipeOut.stderr(d, offset));
  tab.onGap((from, to, skipped) => {
    local(
      process.stderr,
      skipped
        ? `\r\n[holdfast] ${to - from} bytes of earlier output not replayed; the session's last part follows\r\n`
        : `\r\n[holdfast] ${to - from} bytes of output were lost: the server's scrollback no longer held them\r\n`,
      () => tab.shown(to),
    );
  });
  tab.onNotice((m) => local(process.stderr, `holdfast: ${m}\r\n`));

  let ticker: ReturnType<typeof setInterval> | undefined;
  tab.onState((s) => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
    switch (s.kind) {
      case 'connected':
        if (pipes === undefined) {
          pipes = s.pipes === true;
          if (pipes && interactive) {
            interactive = false; // attached by id to a session without a terminal
            restore();
          }
        }
        status(undefined);
        if (o.verbose) process.stderr.write(`holdfast: attached to session ${s.sessionId}\r\n`);
        break;
      case 'ended':
        // ssh's status: the command's exit code; 255 when a signal ended it (OpenSSH's
        // client takes no exit status from exit-signal)
        exit(s.signal ? 255 : s.exitCode);
        break;
      case 'failed':
        exit(255, `holdfast: ${s.reason}`);
        break;
      default: {
        const line = describeState(s);
        status(line);
        const ticking =
          s.kind === 'reconnecting' || s.kind === 'offline' || s.kind === 'reattaching';
        if (interactive && ticking) {
          ticker = setInterval(() => status(describeState(tab.state)), 1000);
        }
      }
    }
  });

  // Input: raw keystrokes with the ~. escape when interactive, a plain pipe otherwise.
  const escape = new EscapeScanner();
  let lastByte: number | undefined;
  if (interactive) {
    process.stdin.setRawMode(true);
    rawOutput();
  }
  const refused = (why: string) => status(why);
  const onEnd = () => {
    // Without a terminal: the end of the command's stdin, exactly once. In a terminal:
    // its end-of-file character; in line mode one EOT only hands over a line that has no
    // newline yet, a second then reads as end-of-file.
    if (pipes !== false) {
      const r = tab.endInput();
      if (!r.ok) refused(r.reason);
      return;
    }
    const unfinished = lastByte !== undefined && lastByte !== 0x0a && lastByte !== 0x04;
    tab.write(Buffer.from(unfinished ? [0x04, 0x04] : [0x04]));
  };
  if (!interactive) {
    io.stdin.on('data', (d: Buffer) => (lastByte = d[d.length - 1]));
    wirePipeInput(tab, io, refused, onEnd);
  } else {
    process.stdin.on('data', (d: Buffer) => {
      if (!interactive) {
        // an attach by id that turned out to have no terminal: input as a pipe
        const w = tab.write(d);
        if (!w.ok) refused(w.reason);
        return;
      }
      const r = escape.scan(d);
      const send = r.send;
      if (r.detach) {
        const id = tab.sessionId;
        if (send.length > 0) tab.write(send);
        void tab
          .detach()
          .then(() =>
            exit(
              0,
              id
                ? `\r\n[holdfast] detached from session ${id}; re-attach with: holdfast --attach ${id} ${dest}`
                : undefined,
            ),
          );
        return;
      }
      if (send.length === 0) return;
      const w = tab.write(send);
      if (!w.ok) status(w.reason);
      else echo?.typed(send);
    });
    process.stdin.on('end', () => {
      if (!interactive) onEnd();
    });
  }
  process.stdout.on('resize', () => {
    const { cols, rows } = size();
    echo?.resize(cols, rows);
    tab.resize(cols, rows);
  });

  watchNetwork(engine);
  process.on('SIGWINCH', () => tab.resize(size().cols, size().rows));
  return new Promise<never>(() => {});
}

// OS signals: a change of the machine's addresses means a new network; SIGCONT (resume
// after suspend) and SIGUSR1 (scripts) ask for a fresh dial as well.
function watchNetwork(engine: Engine): void {
  pollNetwork(networkInterfaces, () => engine.networkChanged());
  process.on('SIGCONT', () => engine.networkChanged());
  process.on('SIGUSR1', () => engine.networkChanged());
}

/**
 * Starts the destination's forwards and reports them as ssh does: a forward that cannot be
 * set up is a warning, or with ExitOnForwardFailure the end (exit 255). Connections cut by a
 * lost link are said on stderr. Resolves with the number of forwards started, and how to
 * end their carried connections.
 */
async function startForwards(
  engine: Engine,
  dest: Destination,
  extra: readonly ForwardSpecInput[],
  how: { verbose: boolean; lineEnd: string; endOnSignal: boolean },
): Promise<{ count: number; end: () => Promise<void> }> {
  const r = await engine.startForwards(dest, extra);
  if (!r.ok) fail(r.error.message);
  const f = r.value;
  const say = (m: string) => process.stderr.write(`holdfast: ${m}${how.lineEnd}`);
  const failed = f.started.filter((e) => e.kind === 'failed');
  for (const e of f.started) {
    if (e.kind === 'listening' && how.verbose) {
      say(
        `${e.label}: listening on ${e.where.join(', ')}${f.carrier.resumable && !e.plain ? ` (each connection is ${f.carrier.name}: it survives reconnects)` : ` (each connection is a plain SSH channel: it does not survive a reconnect)`}`,
      );
    }
    if (e.kind === 'failed')
      say(`${f.exitOnForwardFailure ? '' : 'warning: '}${e.label}: ${e.message}`);
  }
  if (failed.length > 0 && f.exitOnForwardFailure) {
    engine.dispose();
    fail('a forward could not be set up and ExitOnForwardFailure is set');
  }
  f.set.onEvent((e) => {
    if (e.kind === 'lost' || e.kind === 'notice') say(`${e.label}: ${e.message}`);
    else if (e.kind === 'failed') say(`warning: ${e.label}: ${e.message}`);
  });
  // -N ends on a signal: a resumable connection's session would otherwise stay on the
  // server, holding its target connection for a client that is gone (ssh's channels close
  // with ssh). 255 as ssh's.
  if (how.endOnSignal)
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.once(sig, () => {
        void f.end().finally(() => {
          engine.dispose();
          process.exit(255);
        });
      });
  return { count: f.started.length, end: () => f.end() };
}

function age(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

async function listSessions(dest: string, o: ConnOpts & { all?: boolean }): Promise<never> {
  const engine = makeEngine(o);
  const chosen = await resolveProfileDestination(destination(dest, o));
  if (chosen.notice) process.stderr.write(`holdfast: ${chosen.notice}\n`);
  const r = await engine.listSessions(chosen.destination);
  engine.dispose();
  if (!r.ok) fail(r.error.message);
  // Connections through a forward are not the user's sessions: shown only when asked.
  const shown = o.all ? r.value : r.value.filter((s) => !s.forwarded);
  const rows = [['ID', 'NAME', 'STATE', 'AGE', 'ATTACHED', 'COMMAND']];
  for (const s of shown)
    rows.push([
      s.id,
      s.name || '-',
      s.forwarded ? `${s.state} (forward)` : s.pipes ? `${s.state} (pipes)` : s.state,
      age(s.created),
      String(s.attached),
      s.command,
    ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) {
    process.stdout.write(
      `${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`,
    );
  }
  const hidden = r.value.length - shown.length;
  if (hidden > 0)
    process.stderr.write(
      `holdfast: ${hidden} connection${hidden === 1 ? '' : 's'} through port forwards not shown (--all shows them)\n`,
    );
  process.exit(0);
}

async function killSession(
  dest: string,
  id: string,
  o: ConnOpts & { signal?: string },
): Promise<never> {
  const engine = makeEngine(o);
  const chosen = await resolveProfileDestination(destination(dest, o));
  if (chosen.notice) process.stderr.write(`holdfast: ${chosen.notice}\n`);
  const r = await engine.killSession(chosen.destination, id, o.signal ?? 'TERM');
  engine.dispose();
  if (!r.ok) fail(r.error.message);
  process.exit(0);
}

function versionLine(): string {
  let agent = 'no agent built (run npm run build)';
  try {
    agent = AgentBundle.locate().versionLine() ?? agent;
  } catch {
    // keep the hint
  }
  return `holdfast ${VERSION}\n${agent}`;
}

export async function main(argv: string[]): Promise<void> {
  const program = addConnOptions(new Command('holdfast'))
    .description('SSH sessions that survive the network')
    .usage('[options] DESTINATION [--] [COMMAND...]')
    .version(versionLine(), '-V, --version', "print the client's and the bundled agent's versions")
    .option('--name <name>', 'name for a new session')
    .option('--attach <id>', 'attach to an existing session instead of starting one')
    .option(
      '-A, --forward-agent',
      "forward your ssh-agent into the session (ForwardAgent yes); the server's admin can use your keys while you are attached",
    )
    .option('-a, --no-forward-agent', 'do not forward the agent (ForwardAgent no)')
    .option(
      '-t, --tty',
      'ask for a terminal even with a command; twice: even without a local one',
      (_v: string, n: number) => n + 1,
      0,
    )
    .option(
      '-T, --no-pty',
      'no terminal: stdout byte-exact, stderr apart (as without a local terminal)',
    )
    .option(
      '-L, --local-forward <[bind:]port:host:hostport>',
      'forward a local port to host:hostport as seen from the server (repeatable)',
      forwardArg('local'),
    )
    .option(
      '-R, --remote-forward <[bind:]port:host:hostport>',
      'forward a server port to host:hostport as seen from here (repeatable)',
      forwardArg('remote'),
    )
    .option(
      '-D, --dynamic-forward <[bind:]port>',
      'a SOCKS 4/5 proxy on a local port, connecting from the server (repeatable)',
      forwardArg('dynamic'),
    )
    .option('-N, --forward-only', 'run no command or session: only forward ports (ssh -N)')
    .argument('<destination>', 'host, user@host, ssh_config alias or ssh://user@host:port')
    .argument('[command...]', 'command to run instead of the login shell')
    .showHelpAfterError('(holdfast --help lists every option)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Interactive sessions: Enter then ~. detaches (the session keeps running);
re-attach with --attach ID. Without a local terminal (or with -T) the command
runs with pipes like ssh's: stdout byte-exact, stderr apart, stdin to EOF, all
resumed across reconnects; --attach ID collects the rest of a pipes session.
Exit status is the remote command's (255 when a signal ended it, as ssh),
255 when connecting, logging in or verifying the host key fails.`,
    )
    .action(async (dest: string, command: string[], o: ConnOpts) => {
      if (o.name && o.attach)
        throw new CommanderError(
          2,
          'holdfast.usage',
          '--name and --attach cannot be used together',
        );
      await runSession(dest, command, o);
    });

  addConnOptions(program.command('sessions'))
    .description('list the sessions held on a host')
    .argument('<destination>')
    .option('--all', 'also list the connections carried for port forwards (-L, -D)')
    .exitOverride()
    // Options after the subcommand name are parsed by the main command (it has the same
    // ones): take them from there too, or `holdfast sessions -F FILE HOST` ignores -F.
    .action(async (dest: string, _o: ConnOpts, cmd: Command) =>
      listSessions(dest, cmd.optsWithGlobals<ConnOpts & { all?: boolean }>()),
    );
  addConnOptions(program.command('kill'))
    .description('end a session on a host')
    .argument('<destination>')
    .argument('<id>')
    .option('--signal <sig>', 'signal to send (default TERM)')
    .exitOverride()
    .action(async (dest: string, id: string, _o: ConnOpts, cmd: Command) =>
      killSession(dest, id, cmd.optsWithGlobals<ConnOpts & { signal?: string }>()),
    );

  registerProfilesCommand(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        process.exit(0);
      // Commander printed the message already, except for our own throws.
      if (e.code.startsWith('holdfast.')) process.stderr.write(`holdfast: ${e.message}\n`);
      process.exit(2);
    }
    fail(`internal error: ${(e as Error).message}`);
  }
}

void main(process.argv.slice(2));
