// The agent binaries this client carries, one per server OS and architecture, and what
// each must report once uploaded: build/agents/<target>/ (static for every Linux target;
// `npm run build` makes this machine's, `npm run agents` all). The local build
// (remote-agent/build) only gives the version line, and serves macOS's own target.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AGENT_TARGETS = [
  'linux-x64',
  'linux-arm64',
  'linux-armv7',
  'linux-riscv64',
  'darwin-x64',
  'darwin-arm64',
] as const;
export type AgentTarget = (typeof AGENT_TARGETS)[number];

export type AgentBinary = {
  target: AgentTarget;
  path: string;
  bytes: Buffer;
  sha256: string;
  /** The exact first line `holdfast-agent --version` must print. */
  versionLine: string;
};

/** `uname -s` per OS of a target, and `uname -m` per architecture (`*`: any ending). */
const UNAME_OS: Record<string, string> = { linux: 'Linux', darwin: 'Darwin' };
const UNAME_MACHINES: Record<string, string[]> = {
  x64: ['x86_64', 'amd64'],
  arm64: ['aarch64', 'arm64'],
  armv7: ['armv7*', 'armv8*'],
  riscv64: ['riscv64'],
};

/** Maps `uname -sm` output to a target, or undefined for a server we carry nothing for. */
export function targetFromUname(uname: string): AgentTarget | undefined {
  const [os, machine = ''] = uname.trim().split(/\s+/);
  const matches = (p: string) =>
    p.endsWith('*') ? machine.startsWith(p.slice(0, -1)) : machine === p;
  return AGENT_TARGETS.find((t) => {
    const [sys = '', arch = ''] = t.split('-');
    return UNAME_OS[sys] === os && (UNAME_MACHINES[arch] ?? []).some(matches);
  });
}

/** The `uname -sm` answers {@link targetFromUname} maps to `target`, as `case` patterns. */
export function unamePatterns(target: AgentTarget): string[] {
  const [sys = '', arch = ''] = target.split('-');
  return (UNAME_MACHINES[arch] ?? []).map((m) => `${UNAME_OS[sys]} ${m}`);
}

/** The repository root when running from a checkout (sources or out/). */
export function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'remote-agent', 'PROTOCOL.md'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export class AgentBundle {
  private readonly _cache = new Map<AgentTarget, AgentBinary | undefined>();
  private _versionLine: string | undefined;

  /**
   * @param dirs directories holding `<target>/holdfast-agent`, searched in order
   * @param devBinary the local build, served for linux-x64 when no directory has it
   * @param sourcesDir the agent's C sources, for servers with a compiler but no prebuilt
   */
  constructor(
    readonly dirs: string[],
    readonly devBinary: string | undefined,
    readonly sourcesDir: string | undefined,
  ) {}

  /** The usual places: HOLDFAST_AGENTS_DIR, then the checkout's build/agents and local build. */
  static locate(opts: { agentsDir?: string } = {}): AgentBundle {
    const root = findRepoRoot();
    const dirs = [
      opts.agentsDir,
      process.env.HOLDFAST_AGENTS_DIR,
      root && join(root, 'build', 'agents'),
    ].filter((d): d is string => !!d && existsSync(d));
    const dev = root && join(root, 'remote-agent', 'build', 'holdfast-agent');
    const src = root && join(root, 'remote-agent');
    return new AgentBundle(
      dirs,
      dev && existsSync(dev) ? dev : undefined,
      src && existsSync(join(src, 'Makefile')) ? src : undefined,
    );
  }

  /** The version line every agent of this bundle reports (they share one source tree). */
  versionLine(): string | undefined {
    if (this._versionLine !== undefined) return this._versionLine;
    const local = this.devBinary ?? this._findFile(hostTarget());
    this._versionLine = (local && runVersion(local)) ?? this.dirs.map(readManifest).find(Boolean);
    return this._versionLine;
  }

  binaryFor(target: AgentTarget): AgentBinary | undefined {
    if (this._cache.has(target)) return this._cache.get(target);
    // Linux servers always get the static build: the local build links this machine's
    // glibc, which older servers (and busybox or Alpine ones) do not have. From a checkout
    // it must be of the same sources (the same version line; `npm run build` makes it).
    // macOS has no static libc: there the local build serves this machine's own target.
    let path: string | undefined;
    if (target.startsWith('linux-')) {
      const p = this._findFile(target);
      const fresh =
        !this.devBinary || readManifest(dirname(dirname(p ?? '.'))) === this.versionLine();
      if (p && fresh) path = p;
    } else {
      path = (target === hostTarget() ? this.devBinary : undefined) ?? this._findFile(target);
    }
    let bin: AgentBinary | undefined;
    if (path) {
      // Each binary's expected version: its directory's manifest, or what it says itself
      // when this machine can run it, else the bundle's (they share one source tree).
      const manifest = readManifest(dirname(dirname(path)));
      const versionLine =
        manifest ?? (target === hostTarget() ? runVersion(path) : this.versionLine());
      if (versionLine) {
        const bytes = readFileSync(path);
        bin = {
          target,
          path,
          bytes,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          versionLine,
        };
      }
    }
    this._cache.set(target, bin);
    return bin;
  }

  /** The agent's C sources and Makefile as (name, bytes), for building on the server. */
  sources(): { name: string; bytes: Buffer }[] | undefined {
    const dir = this.sourcesDir;
    if (!dir) return undefined;
    return readdirSync(dir)
      .filter((n) => /\.(c|h)$/.test(n) && statSync(join(dir, n)).isFile())
      .sort()
      .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
  }

  private _findFile(target: AgentTarget | undefined): string | undefined {
    if (!target) return undefined;
    for (const dir of this.dirs) {
      const p = join(dir, target, 'holdfast-agent');
      if (existsSync(p)) return p;
    }
    return undefined;
  }
}

function readManifest(dir: string): string | undefined {
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) return undefined;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { versionLine?: string }).versionLine;
  } catch {
    return undefined;
  }
}

function runVersion(path: string): string | undefined {
  try {
    const out = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 5_000 });
    return out.split('\n')[0]!.trim() || undefined;
  } catch {
    return undefined;
  }
}

function hostTarget(): AgentTarget | undefined {
  const os = process.platform === 'linux' ? 'Linux' : process.platform === 'darwin' ? 'Darwin' : '';
  const m = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  return targetFromUname(`${os} ${m}`);
}
