// Puts the right agent on a server, over exec channels only (no SFTP): probe the OS and
// what is installed, upload atomically when needed (temporary name, verify the hash and
// the `--version` the uploaded binary reports, rename, repoint the link), or build from
// source where the server has a compiler and we carry no binary. Otherwise the caller
// falls back to a plain shell and says the session will not survive a disconnect.

import type { RemoteClient as Client } from '../transport/remoteClient';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { notRunReason, remoteExec, shq, type ExecResult, type HandedOff } from '../remoteExec';
import { posixCksum } from './cksum';
import { isSessionId } from '../sessionStart';
import {
  targetFromUname,
  unamePatterns,
  type AgentBinary,
  type AgentBundle,
  type AgentTarget,
} from './agentBundle';

/** How long an upload and install may take (ms): the agent over a slow link, then its
 * checksum and `--version` on a loaded server; beyond this the server is stuck. */
const UPLOAD_TIMEOUT_MS = 120_000;
/** How long the probe may take before it answers (ms): a login and a few commands. */
const PROBE_TIMEOUT_MS = 30_000;

/** Where the agent lives on the server by default, relative to $HOME. */
export const REMOTE_DIR = '.holdfast';

export type Deployed = {
  kind: 'agent';
  /** Absolute path of the link to the newest agent: `<dir>/bin/holdfast-agent`. */
  agentPath: string;
  /** The agent's directory (binary under bin/, sessions under sessions/): HOLDFAST_DIR. */
  dir: string;
  home: string;
  target: AgentTarget | 'source';
  uploaded: boolean;
  /** The upload went compressed (gzip on the server). */
  compressed?: boolean;
  /** An upload went unasked, behind the probe's script (DeployOptions.speculate): it was
   * what got installed, or the server did not need it (or could not take it). */
  speculated?: 'installed' | 'dropped';
  /** The newest protocol version the installed agent speaks (its `--version` line's
   * `protocols` list; 0 when it does not say), so masters it starts speak it. */
  protocolMax: number;
  /** The session the probe started for {@link DeployOptions.start}'s request, when it did;
   * with `link`, the probe's channel that became its bridge (start.bridge). */
  started?: { request: string; id: string; link?: BridgeLink };
};

/** A started session's bridge on the probe's channel. `helloSent`: the HELLO and ATTACH
 * sent behind the probe's script are what it reads first (else the upload was in the
 * way, and the client sends them now). */
export type BridgeLink = HandedOff & { helloSent: boolean };

export type DeployOutcome =
  Deployed | { kind: 'no-agent'; reason: string } | { kind: 'error'; message: string };

export type DeployOptions = {
  /** Test seam on the upload stream: corrupt bytes in transit to prove they are caught. */
  transformUpload?: (bytes: Buffer) => Buffer;
  /**
   * The server likely has no agent of this build (this client never saw it there): send
   * this target's agent behind the probe's script, unasked, instead of a round trip later
   * when the probe asks. Where the guess is wrong (the agent is there after all, another
   * machine, no gzip) the probe drops it and goes on as without.
   */
  speculate?: AgentTarget;
  /**
   * A session to start in the probe's own round trip when the agent there is already the
   * wanted one: `tail` is what follows the agent's path (`new --request TOKEN ...`), `env`
   * rides on the exec like the session's own would. Safe to repeat: `new --request` finds
   * the session an earlier attempt with the same token started.
   */
  start?: {
    request: string;
    tail: string;
    env: Record<string, string>;
    /**
     * The probe's channel goes on as the session's link (`exec holdfast-agent bridge`) when
     * it started the session; `ahead` (the client's HELLO and ATTACH) is sent right
     * behind the script, so the session's first output follows the probe's own answer.
     */
    bridge?: { ahead: Buffer };
  };
};

/** One place the agent could live, and what the probe found there. */
type Candidate = {
  dir: string;
  /** `ok`: usable; `nowrite`: cannot create or write; `noexec`: files there cannot run. */
  state: 'ok' | 'nowrite' | 'noexec';
  /** First line `--version` printed, when an agent is there and runs. */
  version: string;
};

type Probe = {
  uname: string;
  home: string;
  hasCc: boolean;
  /** What `head -c` does there, and whether gzip runs there (INSTALL_TOOLS; said only
   * when the probe asks for the upload). */
  headC: 'exact' | 'yes' | 'no';
  gzip: boolean;
  /** The probe stopped: it had no `dd` to drop what was sent ahead (NO_DD). */
  noDd: boolean;
  /** Places tried, in order; the last is the one chosen when it is usable. */
  candidates: Candidate[];
  /** What the session start run by the probe printed: exit status and output. */
  started?: { code: number; out: string };
};

/**
 * Places tried for the agent, in order, when the user named none: the home directory,
 * then per-user places that are often on another file system (a home that is full,
 * read-only or mounted noexec): the login session's runtime directory, then /dev/shm and
 * /tmp under a name with the uid (the agent checks the directory's owner and mode).
 */
const CANDIDATES = [
  `"$HOME/${REMOTE_DIR}"`,
  '${XDG_RUNTIME_DIR:+"$XDG_RUNTIME_DIR/holdfast"}',
  '"/dev/shm/holdfast-$u"',
  '"/tmp/holdfast-$u"',
];

/** The probe's line that asks the client for the install script and the upload. */
const PROBE_END = 'probe-end';

/** The probe's line that says it cannot drop the bytes sent ahead (no `dd`). */
const NO_DD = 'no-dd';

/** The line a probe prints when it installs the upload sent unasked (speculativeUpload). */
const SPEC_TAKEN = 'spec-taken';

/**
 * What the install may use, said by the probe when it asks for the upload, each by running
 * it (a busybox shell knows applets it cannot run without their link). `gzip=yes`: the
 * upload may come compressed. `headc=yes` where `head -c N` reads N bytes (GNU, busybox,
 * BSD), so the install can read the upload and leave stdin open for the session's bridge;
 * `headc=exact` where it also reads no further (GNU's; busybox's reads ahead through
 * stdio), so bytes sent behind the upload (HELLO and ATTACH) are left for the bridge too.
 */
const INSTALL_TOOLS =
  'if [ "$(printf abc | { head -c 1 >/dev/null; cat; } 2>/dev/null)" = bc ]; then echo headc=exact; ' +
  'elif [ "$(printf ab | head -c 1 2>/dev/null)" = a ]; then echo headc=yes; fi; ' +
  'if [ "$(printf ok | gzip -c 2>/dev/null | gzip -dc 2>/dev/null)" = ok ]; then echo gzip=yes; fi';

// One round trip tells us everything: OS/arch, $HOME, whether a compiler exists, and
// the first place (of `dirs`, shell words) that can hold and run the agent, with the
// version of the agent already there. A place is usable if it already runs the wanted
// version, or if a file written there runs (a noexec mount fails this); the probe stops
// at the first usable one, so the usual case writes nothing. With `then`, a place that
// already runs the wanted version also starts the session there (one round trip for both).
// A usable place without the wanted version ends the probe's report with PROBE_END and
// reads one more line of script from stdin, the client's answer (the install script, the
// upload after it), so a first connect uploads in the probe's exec: no second channel
// and exec request (two round trips). An answer of nothing (stdin closed) ends it.
//
// With `ahead` (bytes the client sent behind the script for a bridge), a started session's
// probe becomes its bridge, which reads them first; any other way on drops exactly those
// bytes first (`dd bs=1` never reads past them), so the answer's line is read clean.
//
// With `spec` (a first connect: the client sent an upload unasked, ahead of `ahead`; see
// speculativeUpload), a place that needs the agent evals its line, which installs it when
// it fits (SPEC_TAKEN) or drops it; a place already up to date drops the line and the
// upload. Either reads exactly `spec` bytes after the line (GNU `head -c`, else `dd bs=1`).
export function probeScript(
  dirs: string[],
  want: string,
  skip: string[],
  then?: string,
  ahead = 0,
  spec = 0,
): string {
  // Without dd nothing here reads an exact count: say so, and the client asks again
  // without sending anything ahead.
  const drop = ahead
    ? `if command -v dd >/dev/null 2>&1; then dd bs=1 count=${ahead} of=/dev/null 2>/dev/null; ` +
      `else echo ${NO_DD}; exit 0; fi; `
    : '';
  const start = then
    ? [
        `o=$(HOLDFAST_DIR="$d"; export HOLDFAST_DIR; "$a" ${then} </dev/null); r=$?`,
        `printf 'new=%s|%s\\n' "$r" "$o"`,
        ...(ahead
          ? [
              'if [ "$r" = 0 ] && [ -n "$o" ]; then HOLDFAST_DIR="$d"; export HOLDFAST_DIR; exec "$a" bridge "$o"; fi',
            ]
          : []),
      ].join('; ')
    : ':';
  // What happens at the first usable place, written once (f) and not once per place: the
  // script is fewer bytes, so fewer packets for a lossy link to drop before the probe runs.
  // With a spec: how exactly `spec` bytes are read (y), chosen before anything reads them.
  const exact = spec
    ? `if [ "$(printf abc | { head -c 1 >/dev/null; cat; } 2>/dev/null)" = bc ]; then q=h; ` +
      `elif command -v dd >/dev/null 2>&1; then q=d; else echo ${NO_DD}; exit 0; fi; `
    : '';
  const found =
    `f() { ${exact}if [ -n "$v" ] && [ "$v" = "$w" ]; then ${spec ? `IFS= read -r s; y ${spec} >/dev/null; ` : ''}${start}; ` +
    `else ${spec ? 'IFS= read -r s && eval "$s"; ' : ''}${drop}${INSTALL_TOOLS}; echo ${PROBE_END}; IFS= read -r s && eval "$s"; fi; exit 0; }`;
  return [
    'm=$(uname -sm 2>/dev/null); echo "uname=$m"',
    ...(spec
      ? ['y() { if [ "$q" = h ]; then head -c "$1"; else dd bs=1 count="$1" 2>/dev/null; fi; }']
      : []),
    'echo "home=$HOME"',
    'if command -v cc >/dev/null 2>&1; then echo cc=yes; fi',
    'u=$(id -u 2>/dev/null || echo x)',
    `w=${shq(want)}`,
    'c() { d=$1; [ -n "$d" ] || return 1; ' +
      skip.map((s) => `[ "$d" = ${shq(s)} ] && return 1; `).join('') +
      'a="$d/bin/holdfast-agent"; v=; s=ok; ' +
      'if [ -x "$a" ]; then v=$("$a" --version </dev/null 2>/dev/null); v=${v%%"$HF_NL"*}; fi; ' +
      'if [ -z "$v" ] || [ "$v" != "$w" ]; then ' +
      'if ! (umask 077; mkdir -p "$d/bin") 2>/dev/null; then s=nowrite; ' +
      `else t="$d/bin/.probe.$$"; if printf '#!/bin/sh\\nexit 0\\n' >"$t" 2>/dev/null && chmod 700 "$t" 2>/dev/null; ` +
      `then "$t" 2>/dev/null || s=noexec; else s=nowrite; fi; rm -f "$t"; fi; ` +
      'fi; ' +
      `printf 'cand=%s|%s|%s\\n' "$s" "$d" "$v"; [ "$s" = ok ]; }`,
    found,
    ...dirs.map((d) => `c ${d} && f`),
    'exit 0',
  ].join('; ');
}

/** The probe's report, and what the install run after PROBE_END (or after SPEC_TAKEN, the
 * upload sent unasked) printed; `spec`: it was the one sent unasked. */
function splitProbe(out: string): { report: string; after: string; spec: boolean } {
  for (const mark of [SPEC_TAKEN, PROBE_END]) {
    const at = `\n${out}`.indexOf(`\n${mark}\n`);
    if (at >= 0)
      return {
        report: out.slice(0, at),
        after: out.slice(at + mark.length + 1),
        spec: mark === SPEC_TAKEN,
      };
  }
  return { report: out, after: '', spec: false };
}

/**
 * What a first connect sends right behind the probe's script, before the probe says what
 * the server is (one round trip sooner; DeployOptions.speculate): a line the
 * probe evals where the place needs the agent, then the gzip'd binary. The line installs
 * it at the probe's place when the server is `bin`'s target and unpacks gzip, reading
 * exactly the upload (the probe's `y`), and starts the session (and its bridge, which
 * reads what was sent behind) like an answered install; otherwise it drops the upload.
 */
function speculativeUpload(
  bin: AgentBinary,
  opts: DeployOptions,
  bridge: boolean,
): { lead: Buffer; uploadBytes: number } {
  const raw = opts.transformUpload ? opts.transformUpload(bin.bytes) : bin.bytes;
  const bytes = gzipSync(raw, { level: 9 });
  const fits = unamePatterns(bin.target)
    .map((p) => (p.endsWith('*') ? `${shq(p.slice(0, -1))}*` : shq(p)))
    .join('|');
  const install = installScript('', bin, opts.start?.tail, {
    exact: bytes.length,
    read: `y ${bytes.length}`,
    gzip: true,
    noBridge: !bridge,
    dirWord: '"$p"',
  });
  const line =
    `if case "$m" in ${fits}) true;; *) false;; esac && ` +
    `[ "$(printf ok | gzip -c 2>/dev/null | gzip -dc 2>/dev/null)" = ok ]; ` +
    `then echo ${SPEC_TAKEN}; p=$d; ${install}; exit 0; fi; y ${bytes.length} >/dev/null`;
  return { lead: Buffer.concat([Buffer.from(`${line}\n`), bytes]), uploadBytes: bytes.length };
}

function parseProbe(out: string): Probe {
  const kv = new Map<string, string>();
  const candidates: Candidate[] = [];
  const started = startedLine(out);
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const key = line.slice(0, i);
    const value = line.slice(i + 1);
    if (key === 'new') continue;
    if (key === 'cand') {
      const [state, dir, version] = value.split('|');
      if (dir && (state === 'ok' || state === 'nowrite' || state === 'noexec'))
        candidates.push({ dir, state, version: (version ?? '').trim() });
    } else kv.set(key, value.trim());
  }
  return {
    uname: kv.get('uname') ?? '',
    home: kv.get('home') ?? '',
    hasCc: kv.get('cc') === 'yes',
    headC: kv.get('headc') === 'exact' ? 'exact' : kv.get('headc') === 'yes' ? 'yes' : 'no',
    gzip: kv.get('gzip') === 'yes',
    noDd: out.split('\n').includes(NO_DD),
    candidates,
    ...(started ? { started } : {}),
  };
}

/** The newest protocol in a version line `... protocols 1,2,3` (0 when none is listed). */
export function protocolMax(versionLine: string): number {
  const m = /\bprotocols\s+([\d,]+)/.exec(versionLine);
  return m ? Math.max(0, ...m[1]!.split(',').map(Number).filter(Number.isInteger)) : 0;
}

/** The build id from a version line `holdfast-agent V build SUM protocols ...`. */
function buildId(versionLine: string): string {
  const m = /build\s+(\S+)/.exec(versionLine);
  return m?.[1] ?? 'unknown';
}

// Receives the binary on stdin into a temporary file, checks it, and only if it is the
// bytes we sent and reports the expected version renames it into place and repoints the
// link atomically (rename over the old link). Old masters keep running their own file.
// The check is SHA-256 where the server has a tool for it, else POSIX `cksum` (or md5sum
// on a busybox without cksum); a server with none of them is refused, never run unchecked.
export function installScript(
  dir: string,
  bin: AgentBinary,
  then?: string,
  /** How the upload arrives: `exact`, read exactly this many bytes (`head -c`, or `read`
   * when given: a shell command that does; what is sent, so a test's altered upload is
   * read whole), then the started session's bridge takes stdin; `gzip`, compressed
   * (checked after it is unpacked, like any upload); `noBridge`: read exactly, but the
   * started session gets no bridge. `dirWord`: the place as a shell word (a variable of
   * the probe's) instead of `dir` quoted. */
  upload: {
    exact?: number;
    gzip?: boolean;
    read?: string;
    noBridge?: boolean;
    dirWord?: string;
  } = {},
): string {
  const bridge = upload.exact !== undefined && !upload.noBridge;
  const take = upload.read ?? (upload.exact !== undefined ? `head -c ${upload.exact}` : 'cat');
  const where = upload.dirWord ?? shq(dir);
  const id = buildId(bin.versionLine);
  const md5 = createHash('md5').update(bin.bytes).digest('hex');
  return [
    'set -u',
    'umask 077',
    `d=${where}/bin`,
    'mkdir -p "$d" || exit 3',
    't="$d/.upload.$$"',
    `trap 'rm -f "$t" "$d/.link.$$"' EXIT`,
    upload.gzip ? `${take} | gzip -dc > "$t" || exit 10` : `${take} > "$t" || exit 4`,
    'chmod 700 "$t" || exit 3',
    'h=',
    'if command -v sha256sum >/dev/null 2>&1; then set -- $(sha256sum "$t"); h=sha256=$1; ' +
      'elif command -v shasum >/dev/null 2>&1; then set -- $(shasum -a 256 "$t"); h=sha256=$1; ' +
      'elif command -v openssl >/dev/null 2>&1; then set -- $(openssl dgst -sha256 -r "$t"); h=sha256=$1; ' +
      'elif command -v cksum >/dev/null 2>&1; then set -- $(cksum < "$t"); h="cksum=$1 $2"; ' +
      'elif command -v md5sum >/dev/null 2>&1; then set -- $(md5sum "$t"); h=md5=$1; ' +
      'else exit 9; fi',
    'echo "$h"',
    // The check first: bytes that are not what we sent are never run.
    `case "$h" in ${shq(`sha256=${bin.sha256}`)}|${shq(`cksum=${posixCksum(bin.bytes)}`)}|${shq(`md5=${md5}`)}) ;; *) exit 5;; esac`,
    'v=$("$t" --version </dev/null 2>/dev/null)',
    'v=${v%%"$HF_NL"*}',
    'echo "version=$v"',
    `[ "$v" = ${shq(bin.versionLine)} ] || exit 6`,
    `mv -f "$t" "$d/holdfast-agent-${id}" || exit 7`,
    `ln -s "holdfast-agent-${id}" "$d/.link.$$" && mv -f "$d/.link.$$" "$d/holdfast-agent" || exit 7`,
    'echo installed',
    // With `then`, the session this connect is for starts in the same round trip.
    ...(then
      ? [
          `o=$(HOLDFAST_DIR=${where}; export HOLDFAST_DIR; "$d/holdfast-agent" ${then} </dev/null); r=$?`,
          `printf 'new=%s|%s\\n' "$r" "$o"`,
          ...(bridge
            ? [
                `if [ "$r" = 0 ] && [ -n "$o" ]; then trap - EXIT; HOLDFAST_DIR=${where}; export HOLDFAST_DIR; exec "$d/holdfast-agent" bridge "$o"; fi`,
              ]
            : []),
        ]
      : []),
  ].join('; ');
}

const UPLOAD_FAILURES: Record<number, string> = {
  3: 'could not create the directory',
  4: 'the upload was cut short (is the disk full?)',
  5: 'the uploaded agent arrived corrupted (its checksum differs)',
  6: 'the uploaded agent does not run there or reports another version',
  7: 'could not move the agent into place',
  9: 'the server has no tool to check an upload (sha256sum, shasum, openssl, cksum or md5sum), so Holdfast will not run one',
  10: 'the compressed upload did not unpack (damaged in transit, or the disk is full)',
};

type StepResult =
  { ok: true; started?: Probe['started'] } | { ok: false; message: string; code: number | null };

/** What a script's `new=STATUS|OUTPUT` line says (the session start it ran), if any. */
function startedLine(stdout: string): Probe['started'] {
  const line = stdout.split('\n').find((l) => l.startsWith('new='));
  if (line === undefined) return undefined;
  const bar = line.indexOf('|');
  return bar < 0
    ? undefined
    : { code: Number(line.slice(4, bar)), out: line.slice(bar + 1).trim() };
}

/** The session id a probe's line says it started and bridges: `new=0|ID`. */
function startedBridge(line: string): string | undefined {
  const id = line.startsWith('new=0|') ? line.slice(6).trim() : '';
  return isSessionId(id) ? id : undefined;
}

/** The session a script started for `start`, when it printed a clean one. */
function startedFor(
  start: DeployOptions['start'],
  s: Probe['started'],
): Deployed['started'] | undefined {
  // A start that failed is tried again on its own (same token), which says why.
  return start && s && s.code === 0 && isSessionId(s.out)
    ? { request: start.request, id: s.out }
    : undefined;
}

async function upload(
  client: Client,
  dir: string,
  bin: AgentBinary,
  opts: DeployOptions,
): Promise<StepResult> {
  const bytes = opts.transformUpload ? opts.transformUpload(bin.bytes) : bin.bytes;
  const r = await remoteExec(client, installScript(dir, bin, opts.start?.tail), {
    stdin: bytes,
    timeoutMs: UPLOAD_TIMEOUT_MS,
    ...(opts.start ? { env: opts.start.env } : {}),
  });
  if (!r.ran) return { ok: false, message: notRunReason(r), code: null };
  return installed(r, r.stdout, dir);
}

/** What the install script's run says: `out` is what it printed, `r` its exec's end. */
function installed(
  r: ExecResult & { handedOff?: HandedOff },
  out: string,
  dir: string,
): StepResult {
  // Handed off: the install went on as the session's bridge (so it succeeded).
  if ((r.code === 0 || r.handedOff) && out.includes('installed'))
    return { ok: true, started: startedLine(out) };
  const why =
    (r.code !== null && UPLOAD_FAILURES[r.code]) ||
    `the install step failed (${r.stderr.trim() || `exit ${r.code}`})`;
  return { ok: false, message: `${why} in ${dir}`, code: r.code };
}

/** The answer to the probe's PROBE_END: the install script, then the upload, compressed
 * where the server has gzip (about half the bytes through a connection still in slow
 * start). With `bridge`, the script reads exactly the upload and stdin stays open for
 * the bridge. */
function uploadAnswer(
  dir: string,
  bin: AgentBinary,
  opts: DeployOptions,
  how: { bridge: boolean; gzip: boolean },
): Buffer {
  const raw = opts.transformUpload ? opts.transformUpload(bin.bytes) : bin.bytes;
  const bytes = how.gzip ? gzipSync(raw, { level: 9 }) : raw;
  const script = installScript(dir, bin, opts.start?.tail, {
    ...(how.bridge ? { exact: bytes.length } : {}),
    ...(how.gzip ? { gzip: true } : {}),
  });
  return Buffer.concat([Buffer.from(`${script}\n`), bytes]);
}

// Sources arrive as a shell archive of here-documents (text files only), fed to `sh -s`
// on stdin: as one command line they would outgrow Linux's 128 KiB limit on an argument.
// The build lands in the same place an upload would, under the same checks.
async function buildFromSource(
  client: Client,
  dir: string,
  bundle: AgentBundle,
): Promise<StepResult> {
  const files = bundle.sources();
  const versionLine = bundle.versionLine();
  if (!files || !versionLine)
    return { ok: false, message: 'this client carries no agent sources', code: null };
  const id = buildId(versionLine);
  const parts = ['set -u', 'umask 077', `d=${shq(dir)}/bin`, 'mkdir -p "$d" || exit 3'];
  parts.push('s=$(mktemp -d) || exit 3', `trap 'rm -rf "$s"' EXIT`);
  for (const f of files) {
    const text = f.bytes.toString('utf8');
    parts.push(
      `cat > "$s/${f.name}" <<'HOLDFAST_EOF'\n${text}${text.endsWith('\n') ? '' : '\n'}HOLDFAST_EOF`,
    );
  }
  parts.push(
    // Nothing below may read stdin: the rest of this script is still arriving on it.
    `cc -std=c99 -O2 -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -D_DARWIN_C_SOURCE -DHF_BUILD_SUM=${shq(`"${id}"`)} -o "$s/holdfast-agent" "$s"/*.c </dev/null 2>"$s/err" || { tail -n 5 "$s/err" >&2; exit 8; }`,
    `v=$("$s/holdfast-agent" --version </dev/null 2>/dev/null | head -n 1)`,
    `[ "$v" = ${shq(versionLine)} ] || exit 6`,
    `mv -f "$s/holdfast-agent" "$d/holdfast-agent-${id}" || exit 7`,
    `ln -s "holdfast-agent-${id}" "$d/.link.$$" && mv -f "$d/.link.$$" "$d/holdfast-agent" || exit 7`,
    'echo installed',
  );
  // Our one line hands the rest of stdin to a second /bin/sh as its script.
  const r = await remoteExec(client, 'exec /bin/sh -s', {
    stdin: Buffer.from(`${parts.join('\n')}\n`),
    timeoutMs: 180_000,
  });
  if (!r.ran) return { ok: false, message: notRunReason(r), code: null };
  if (r.code === 0 && r.stdout.includes('installed')) return { ok: true };
  if (r.code === 8)
    return {
      ok: false,
      message: `building the agent on the server failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
      code: 8,
    };
  return {
    ok: false,
    message:
      (r.code !== null && UPLOAD_FAILURES[r.code]) || `the build step failed (exit ${r.code})`,
    code: r.code,
  };
}

/** Words for the places the probe could not use, for the no-agent message. */
function describeUnusable(cands: Candidate[]): string {
  const why = (c: Candidate) =>
    c.state === 'noexec'
      ? `${c.dir} is on a file system that does not allow running programs (noexec)`
      : `${c.dir} cannot be created or written (read-only, full, or owned by someone else)`;
  return cands
    .filter((c) => c.state !== 'ok')
    .map(why)
    .join('; ');
}

/** A user's place as a shell word; `~/` is their home, as in ssh_config paths. */
function dirWord(dir: string): string {
  return dir.startsWith('~/') ? `"$HOME"/${shq(dir.slice(2))}` : shq(dir);
}

/** Failures of one place that another place may not have (full, read-only, noexec). */
const PLACE_FAILURES = new Set([3, 4, 6, 7]);

/**
 * Makes sure the server has this client's agent; uploads or builds it only when needed.
 * `dir` is the user's choice of place (a profile's field or `-o HoldfastDir=`); without
 * one, the first usable of {@link CANDIDATES}.
 */
export async function deployAgent(
  client: Client,
  bundle: AgentBundle,
  opts: DeployOptions & { dir?: string } = {},
): Promise<DeployOutcome> {
  const dirs = opts.dir ? [dirWord(opts.dir)] : CANDIDATES;
  const skip: string[] = [];
  const tried: Candidate[] = [];
  let lastFailure = '';
  // Nothing goes ahead of the answer once a probe said it could not drop it (no dd).
  let sendAhead = true;
  // The upload sent unasked: in the first round only, and not again after a no-dd answer.
  let speculate = opts.speculate && bundle.binaryFor(opts.speculate);
  for (let round = 0; round < CANDIDATES.length; round++) {
    const want0 = bundle.versionLine() ?? '';
    // Set when the probe asked and got the upload in its own exec...
    let answered: string | undefined;
    // ...whose install goes on as the started session's bridge (`exact`: with the HELLO
    // and ATTACH sent behind the upload).
    const install: { bridged: false | 'exact' | 'yes'; gzip: boolean } = {
      bridged: false,
      gzip: false,
    };
    const ahead = sendAhead ? opts.start?.bridge?.ahead : undefined;
    const spec = sendAhead && speculate ? speculativeUpload(speculate, opts, !!ahead) : undefined;
    speculate = undefined;
    const script = probeScript(
      dirs,
      want0,
      skip,
      opts.start?.tail,
      ahead?.length ?? 0,
      spec?.uploadBytes ?? 0,
    );
    const r = await remoteExec(client, script, {
      ...(spec ? { lead: spec.lead } : {}),
      timeoutMs: PROBE_TIMEOUT_MS,
      ...(opts.start ? { env: opts.start.env } : {}),
      // The install's `new=` line (after an answer) is a bridge only where the install read
      // exactly the upload (install.bridged): else its stdin is spent.
      ...(ahead
        ? {
            handoff: {
              ahead,
              accepts: (l) =>
                (answered === undefined || install.bridged) && startedBridge(l) !== undefined,
            },
          }
        : {}),
      reply: {
        after: PROBE_END,
        timeoutMs: UPLOAD_TIMEOUT_MS,
        send: (out) => {
          const asked = parseProbe(splitProbe(out).report);
          const place = asked.candidates.at(-1);
          const target = targetFromUname(asked.uname);
          const bin = target && bundle.binaryFor(target);
          if (!place || place.state !== 'ok' || !bin || place.version === bin.versionLine)
            return undefined;
          answered = place.dir;
          // The install's session becomes its bridge when the upload can be read exactly.
          const gzip = asked.gzip;
          install.gzip = gzip;
          if (!ahead || asked.headC === 'no')
            return uploadAnswer(place.dir, bin, opts, { bridge: false, gzip });
          install.bridged = asked.headC;
          const answer = uploadAnswer(place.dir, bin, opts, { bridge: true, gzip });
          const bytes = asked.headC === 'exact' ? Buffer.concat([answer, ahead]) : answer;
          return { bytes, keepOpen: true as const };
        },
      },
    }).catch((e: Error) => e);
    if (r instanceof Error)
      return { kind: 'error', message: `probing the server failed: ${r.message}` };
    if (!r.ran) return { kind: 'no-agent', reason: notRunReason(r) };
    const link = r.handedOff;
    const { report, after, spec: specTaken } = splitProbe(r.stdout);
    if (specTaken) {
      answered = parseProbe(report).candidates.at(-1)?.dir;
      install.gzip = true;
      install.bridged = ahead ? 'exact' : false;
    }
    // With an answer, the exit status is the install's (judged below).
    if (r.code !== 0 && answered === undefined && !link)
      return {
        kind: 'error',
        message: `the probe of the server failed (${r.stderr.trim() || `exit ${r.code ?? r.signal}`})`,
      };
    const probe = parseProbe(report);
    if (probe.noDd && (ahead || spec)) {
      sendAhead = false;
      round--;
      continue;
    }
    for (const c of probe.candidates) if (!tried.some((t) => t.dir === c.dir)) tried.push(c);
    const place = probe.candidates.at(-1);
    if (!place || place.state !== 'ok') {
      const where = describeUnusable(tried) || 'the server named no place to try';
      const fix = opts.dir
        ? 'choose another place (the HoldfastDir option)'
        : 'free some space in the home directory, or choose a place with the HoldfastDir option';
      return {
        kind: 'no-agent',
        reason: `no place on the server can hold and run the agent: ${where}${lastFailure ? `; ${lastFailure}` : ''}. To fix it, ${fix}`,
      };
    }
    const target = targetFromUname(probe.uname);
    const want = (target && bundle.binaryFor(target)?.versionLine) ?? bundle.versionLine();
    const deployed = (uploaded: boolean, t: AgentTarget | 'source'): Deployed => ({
      kind: 'agent',
      agentPath: `${place.dir}/bin/holdfast-agent`,
      dir: place.dir,
      home: probe.home,
      target: t,
      uploaded,
      protocolMax: protocolMax(want ?? ''),
      ...(spec ? { speculated: specTaken ? ('installed' as const) : ('dropped' as const) } : {}),
    });
    // The session this probe started, on the channel that became its bridge, if it did.
    const withLink = (d: Deployed, started: Deployed['started'], helloSent: boolean): Deployed => {
      if (!started) {
        link?.channel.destroy();
        return d;
      }
      return { ...d, started: link ? { ...started, link: { ...link, helloSent } } : started };
    };
    if (want && place.version === want)
      return withLink(
        deployed(false, target ?? 'source'),
        startedFor(opts.start, probe.started),
        true,
      );
    const bin = target && bundle.binaryFor(target);
    let step: StepResult;
    if (bin) {
      let compressed = answered === place.dir && install.gzip;
      step =
        answered === place.dir
          ? installed(r, after, place.dir)
          : await upload(client, place.dir, bin, opts);
      // A transfer corrupted in flight is worth one more try (uncompressed, on its own).
      if (!step.ok && (step.code === 5 || step.code === 10)) {
        compressed = false;
        step = await upload(client, place.dir, bin, opts);
      }
      if (step.ok)
        return withLink(
          {
            ...deployed(true, target),
            ...(compressed ? { compressed } : {}),
            // Taken, but damaged: what got installed is the upload sent again.
            ...(spec && !compressed ? { speculated: 'dropped' as const } : {}),
          },
          startedFor(opts.start, step.started),
          install.bridged === 'exact',
        );
      link?.channel.destroy();
    } else {
      const what = probe.uname ? `a ${probe.uname} server` : 'a server whose uname does not answer';
      if (!probe.hasCc)
        return {
          kind: 'no-agent',
          reason: `no prebuilt agent fits ${what} and it has no C compiler`,
        };
      step = await buildFromSource(client, place.dir, bundle);
      if (step.ok) return deployed(true, 'source');
      if (step.code === 8 || step.code === null)
        return { kind: 'no-agent', reason: `no prebuilt agent fits ${what}, and ${step.message}` };
    }
    // This place failed in a way another may not (full disk, read-only, noexec): next.
    if (opts.dir || step.code === null || !PLACE_FAILURES.has(step.code))
      return { kind: 'error', message: step.message };
    lastFailure = step.message;
    skip.push(place.dir);
  }
  return { kind: 'error', message: lastFailure || 'no place on the server could take the agent' };
}
