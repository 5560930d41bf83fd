// Puts the right agent on a server, over exec channels only (no SFTP): probe the OS and
// what is installed, upload atomically when needed (temporary name, verify the hash and
// the `--version` the uploaded binary reports, rename, repoint the link), or build from
// source where the server has a compiler and we carry no binary. Otherwise the caller
// falls back to a plain shell and says the session will not survive a disconnect.

import type { RemoteClient as Client } from '../transport/remoteClient';
import { remoteExec, shq } from '../remoteExec';
import {
  targetFromUname,
  type AgentBinary,
  type AgentBundle,
  type AgentTarget,
} from './agentBundle';

/** Where the agent lives on the server, relative to $HOME. */
export const REMOTE_DIR = '.holdfast';

export type Deployed = {
  kind: 'agent';
  /** Absolute path of the link to the newest agent. */
  agentPath: string;
  home: string;
  target: AgentTarget | 'source';
  uploaded: boolean;
};

export type DeployOutcome =
  Deployed | { kind: 'no-agent'; reason: string } | { kind: 'error'; message: string };

export type DeployOptions = {
  /** Test seam on the upload stream: corrupt bytes in transit to prove they are caught. */
  transformUpload?: (bytes: Buffer) => Buffer;
};

type Probe = {
  uname: string;
  home: string;
  current: string;
  hasCc: boolean;
};

// One round trip tells us everything: OS/arch, $HOME, the installed agent's version and
// whether a compiler exists. Runs under `sh` whatever the login shell is.
const PROBE = [
  'echo "uname=$(uname -sm 2>/dev/null)"',
  'echo "home=$HOME"',
  `a="$HOME/${REMOTE_DIR}/bin/holdfast-agent"`,
  'if [ -x "$a" ]; then echo "current=$("$a" --version 2>/dev/null | head -n 1)"; fi',
  'if command -v cc >/dev/null 2>&1; then echo cc=yes; fi',
].join('; ');

function parseProbe(out: string): Probe {
  const kv = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return {
    uname: kv.get('uname') ?? '',
    home: kv.get('home') ?? '',
    current: kv.get('current') ?? '',
    hasCc: kv.get('cc') === 'yes',
  };
}

/** The build id from a version line `holdfast-agent V build SUM protocols ...`. */
function buildId(versionLine: string): string {
  const m = /build\s+(\S+)/.exec(versionLine);
  return m?.[1] ?? 'unknown';
}

// Receives the binary on stdin into a temporary file, reports its hash and version,
// and only if both are what the client expects renames it into place and repoints the
// link atomically (rename over the old link). Old masters keep running their own file.
function installScript(expectSha: string, expectVersion: string): string {
  const id = buildId(expectVersion);
  return [
    'set -u',
    'umask 077',
    `d="$HOME/${REMOTE_DIR}/bin"`,
    'mkdir -p "$d" || exit 3',
    't="$d/.upload.$$"',
    `trap 'rm -f "$t" "$d/.link.$$"' EXIT`,
    'cat > "$t" || exit 4',
    'chmod 700 "$t"',
    'h=$( (sha256sum "$t" 2>/dev/null || shasum -a 256 "$t" 2>/dev/null || openssl dgst -sha256 -r "$t" 2>/dev/null) | cut -d " " -f 1)',
    'echo "sha256=$h"',
    // The hash first: bytes that are not what we sent are never run.
    `if [ -n "$h" ] && [ "$h" != ${shq(expectSha)} ]; then exit 5; fi`,
    'v=$("$t" --version </dev/null 2>/dev/null | head -n 1)',
    'echo "version=$v"',
    `if [ "$v" != ${shq(expectVersion)} ]; then exit 6; fi`,
    `mv -f "$t" "$d/holdfast-agent-${id}" || exit 7`,
    `ln -s "holdfast-agent-${id}" "$d/.link.$$" && mv -f "$d/.link.$$" "$d/holdfast-agent" || exit 7`,
    'echo installed',
  ].join('\n');
}

const UPLOAD_FAILURES: Record<number, string> = {
  3: `could not create ~/${REMOTE_DIR}/bin on the server (is the home directory writable?)`,
  4: 'the upload was cut short (is the disk full?)',
  5: 'the uploaded agent arrived corrupted (its SHA-256 differs)',
  6: 'the uploaded agent does not run on this server or reports another version',
  7: `could not move the agent into ~/${REMOTE_DIR}/bin`,
};

async function upload(
  client: Client,
  bin: AgentBinary,
  opts: DeployOptions,
): Promise<{ ok: true } | { ok: false; message: string; corrupted: boolean }> {
  const bytes = opts.transformUpload ? opts.transformUpload(bin.bytes) : bin.bytes;
  const r = await remoteExec(client, `sh -c ${shq(installScript(bin.sha256, bin.versionLine))}`, {
    stdin: bytes,
    timeoutMs: 120_000,
  });
  if (r.code === 0 && r.stdout.includes('installed')) return { ok: true };
  const why =
    (r.code !== null && UPLOAD_FAILURES[r.code]) ||
    `the install step failed (${r.stderr.trim() || `exit ${r.code}`})`;
  return { ok: false, message: why, corrupted: r.code === 5 };
}

// Sources arrive as a shell archive of here-documents (text files only), fed to `sh -s`
// on stdin: as one command line they would outgrow Linux's 128 KiB limit on an argument.
// The build lands in the same place an upload would, under the same checks.
async function buildFromSource(
  client: Client,
  bundle: AgentBundle,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const files = bundle.sources();
  const versionLine = bundle.versionLine();
  if (!files || !versionLine) return { ok: false, message: 'this client carries no agent sources' };
  const id = buildId(versionLine);
  const parts = ['set -u', 'umask 077', `d="$HOME/${REMOTE_DIR}/bin"`, 'mkdir -p "$d" || exit 3'];
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
  const r = await remoteExec(client, 'sh -s', {
    stdin: Buffer.from(`${parts.join('\n')}\n`),
    timeoutMs: 180_000,
  });
  if (r.code === 0 && r.stdout.includes('installed')) return { ok: true };
  if (r.code === 8)
    return {
      ok: false,
      message: `building the agent on the server failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
    };
  return {
    ok: false,
    message:
      (r.code !== null && UPLOAD_FAILURES[r.code]) || `the build step failed (exit ${r.code})`,
  };
}

/** Makes sure the server has this client's agent; uploads or builds it only when needed. */
export async function deployAgent(
  client: Client,
  bundle: AgentBundle,
  opts: DeployOptions = {},
): Promise<DeployOutcome> {
  const probe = await remoteExec(client, `sh -c ${shq(PROBE)}`, { timeoutMs: 30_000 }).then(
    (r) => (r.code === 0 ? parseProbe(r.stdout) : undefined),
    (e: Error) => e,
  );
  if (probe instanceof Error)
    return { kind: 'error', message: `probing the server failed: ${probe.message}` };
  if (probe === undefined)
    return { kind: 'error', message: 'the probe of the server was cut short' };
  if (!probe.home)
    return { kind: 'no-agent', reason: 'the server did not report a home directory' };
  const agentPath = `${probe.home}/${REMOTE_DIR}/bin/holdfast-agent`;
  const target = targetFromUname(probe.uname);
  const want = (target && bundle.binaryFor(target)?.versionLine) ?? bundle.versionLine();
  if (want && probe.current === want) {
    return {
      kind: 'agent',
      agentPath,
      home: probe.home,
      target: target ?? 'source',
      uploaded: false,
    };
  }
  const bin = target && bundle.binaryFor(target);
  if (bin) {
    let r = await upload(client, bin, opts);
    // A transfer corrupted in flight is worth one more try; anything else is not.
    if (!r.ok && r.corrupted) r = await upload(client, bin, opts);
    if (!r.ok) return { kind: 'error', message: r.message };
    return { kind: 'agent', agentPath, home: probe.home, target, uploaded: true };
  }
  const what = probe.uname ? `a ${probe.uname} server` : 'a server whose uname does not answer';
  if (probe.hasCc) {
    const r = await buildFromSource(client, bundle);
    if (r.ok)
      return { kind: 'agent', agentPath, home: probe.home, target: 'source', uploaded: true };
    return { kind: 'no-agent', reason: `no prebuilt agent fits ${what}, and ${r.message}` };
  }
  return { kind: 'no-agent', reason: `no prebuilt agent fits ${what} and it has no C compiler` };
}
