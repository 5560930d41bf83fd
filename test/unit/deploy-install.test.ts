// The install step's integrity check, run for real by /bin/sh on this machine in a
// directory whose PATH holds only the tools a bare server has: with no SHA-256 tool the
// upload is checked with POSIX cksum (the CRC our code computes must be the one cksum
// prints), a damaged upload is never run or installed, and a server with no checksum
// tool at all is refused rather than trusted.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pathWithOnly } from '../support/toolPath';
import { posixCksum } from '../../main/engine/deploy/cksum';
import { installScript } from '../../main/engine/deploy/deploy';
import { AgentBundle } from '../../main/engine/deploy/agentBundle';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const BASE_TOOLS = ['cat', 'mkdir', 'chmod', 'mv', 'ln', 'rm'];

/** Runs the install script under /bin/sh with PATH = only `tools`, the upload on stdin. */
function install(tools: string[], upload: Buffer) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hf-install-'));
  dirs.push(root);
  const bin = pathWithOnly(root, tools);
  const agent = AgentBundle.locate().binaryFor('linux-x64')!;
  const place = path.join(root, 'place');
  const line = `HF_NL='\n'; ${installScript(place, agent)}`;
  const r = spawnSync('/bin/sh', ['-c', line], {
    input: upload,
    env: { PATH: bin, HOME: root },
    encoding: 'utf8',
  });
  const installed = (() => {
    try {
      return readdirSync(path.join(place, 'bin'));
    } catch {
      return [];
    }
  })();
  return { code: r.status, stdout: r.stdout, installed, agent };
}

describe.skipIf(process.platform !== 'linux' || process.arch !== 'x64')(
  'the install step on a server without SHA-256 tools',
  () => {
    it('checks the upload with POSIX cksum and installs it', () => {
      const agent = AgentBundle.locate().binaryFor('linux-x64')!;
      const r = install([...BASE_TOOLS, 'cksum'], agent.bytes);
      expect(r.stdout).toContain(`cksum=${posixCksum(agent.bytes)}`);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain('installed');
      expect(r.installed).toContain('holdfast-agent');
    });

    it('never runs or installs an upload whose cksum differs', () => {
      const agent = AgentBundle.locate().binaryFor('linux-x64')!;
      const bad = Buffer.from(agent.bytes);
      const mid = bad.length >> 1;
      bad[mid] = bad[mid]! ^ 0xff;
      const r = install([...BASE_TOOLS, 'cksum'], bad);
      expect(r.code).toBe(5);
      expect(r.stdout).not.toContain('version=');
      expect(r.installed.filter((f) => !f.startsWith('.'))).toEqual([]);
    });

    it('falls back to md5sum where even cksum is missing', () => {
      const agent = AgentBundle.locate().binaryFor('linux-x64')!;
      const r = install([...BASE_TOOLS, 'md5sum'], agent.bytes);
      expect(r.stdout).toContain(`md5=${createHash('md5').update(agent.bytes).digest('hex')}`);
      expect(r.code).toBe(0);
    });

    it('refuses to run an upload it cannot check at all', () => {
      const agent = AgentBundle.locate().binaryFor('linux-x64')!;
      const r = install(BASE_TOOLS, agent.bytes);
      expect(r.code).toBe(9);
      expect(r.installed.filter((f) => !f.startsWith('.'))).toEqual([]);
    });
  },
);

describe('posixCksum', () => {
  it('matches cksum(1) on empty, small and large inputs', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from('hello\n'), readFileSync('/bin/sh')]) {
      const want = execFileSync('cksum', { input: bytes, encoding: 'utf8' }).trim();
      expect(posixCksum(bytes)).toBe(want);
    }
  });
});
