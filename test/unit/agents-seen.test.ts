// What decides a first connect's upload sent unasked (deploy/agentsSeen.ts): the record of
// what this client found on each server, kept in a file the app and the CLI share, and the
// rule that picks the target to send (none where this build was seen).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentBundle, AgentTarget } from '../../main/engine/deploy/agentBundle';
import {
  FileAgentsSeen,
  MemoryAgentsSeen,
  speculateFor,
} from '../../main/engine/deploy/agentsSeen';

const V = 'holdfast-agent 0.1.0 build 0123456789abcdef protocols 1,2,3,4,5';
const OLD = 'holdfast-agent 0.1.0 build fedcba9876543210 protocols 1,2,3,4';
const server = { user: 'alice', hostName: 'Db1.Example.org', port: 2222 };

/** A bundle carrying binaries for `targets`, all of version V. */
function bundle(targets: AgentTarget[]): AgentBundle {
  return {
    binaryFor: (t: AgentTarget) =>
      targets.includes(t) ? { target: t, versionLine: V, bytes: Buffer.alloc(0) } : undefined,
  } as unknown as AgentBundle;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hft-seen-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the target sent unasked', () => {
  it('is linux-x64 for a server never seen, nothing where this build was seen', () => {
    const b = bundle(['linux-x64', 'linux-arm64']);
    expect(speculateFor(undefined, b)).toBe('linux-x64');
    expect(speculateFor({ target: 'linux-x64', version: V }, b)).toBeUndefined();
    expect(speculateFor({ target: 'linux-arm64', version: V }, b)).toBeUndefined();
  });

  it('is the machine seen there when it ran another build (an upgrade)', () => {
    const b = bundle(['linux-x64', 'linux-arm64']);
    expect(speculateFor({ target: 'linux-arm64', version: OLD }, b)).toBe('linux-arm64');
  });

  it('is nothing where the bundle has no such binary, or the agent was built there', () => {
    expect(speculateFor(undefined, bundle([]))).toBeUndefined();
    expect(speculateFor({ target: 'darwin-arm64', version: OLD }, bundle(['linux-x64']))).toBe(
      undefined,
    );
    expect(speculateFor({ target: 'source', version: OLD }, bundle(['linux-x64']))).toBe(undefined);
  });
});

describe('the record of servers seen', () => {
  it('is kept in a file another process reads, naming no host', async () => {
    const file = path.join(dir, 'sub', 'agents-seen.json');
    await new FileAgentsSeen(file).set(server, { target: 'linux-arm64', version: V });
    const other = new FileAgentsSeen(file);
    expect(await other.get(server)).toEqual({ target: 'linux-arm64', version: V });
    // The host name is matched without regard to case, like ssh's; port and user count.
    expect(await other.get({ ...server, hostName: 'db1.example.org' })).toBeDefined();
    expect(await other.get({ ...server, port: 22 })).toBeUndefined();
    expect(await other.get({ ...server, user: 'bob' })).toBeUndefined();
    const text = await readFile(file, 'utf8');
    expect(text.toLowerCase()).not.toContain('example');
    expect(text).not.toContain('alice');
  });

  it('treats a damaged file as empty and replaces it whole on the next write', async () => {
    const file = path.join(dir, 'agents-seen.json');
    await writeFile(file, '{"abc": {"target": "vax", "version": 1}, ');
    const seen = new FileAgentsSeen(file);
    expect(await seen.get(server)).toBeUndefined();
    await seen.set(server, { target: 'linux-x64', version: V });
    expect(JSON.parse(await readFile(file, 'utf8'))).toBeTypeOf('object');
    expect(await seen.get(server)).toEqual({ target: 'linux-x64', version: V });
  });

  it('never throws where the file cannot be written', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const seen = new FileAgentsSeen(path.join(blocker, 'agents-seen.json'));
    await expect(seen.set(server, { target: 'linux-x64', version: V })).resolves.toBeUndefined();
    expect(await seen.get(server)).toBeUndefined();
  });

  it('in memory, lasts one engine', async () => {
    const seen = new MemoryAgentsSeen();
    expect(await seen.get(server)).toBeUndefined();
    await seen.set(server, { target: 'linux-x64', version: V });
    expect(await seen.get({ ...server, hostName: 'DB1.example.ORG' })).toEqual({
      target: 'linux-x64',
      version: V,
    });
  });
});
