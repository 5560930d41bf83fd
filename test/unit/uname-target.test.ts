// The server's `uname -sm` → the agent build it gets (deploy/agentBundle.ts), and back: the
// patterns the upload sent unasked checks are exactly the answers that map to its target.
import { describe, expect, it } from 'vitest';
import {
  AGENT_TARGETS,
  targetFromUname,
  unamePatterns,
} from '../../main/engine/deploy/agentBundle';

describe('uname -sm and agent targets', () => {
  it('maps what servers answer to the build they run', () => {
    expect(targetFromUname('Linux x86_64')).toBe('linux-x64');
    expect(targetFromUname('Linux amd64\n')).toBe('linux-x64');
    expect(targetFromUname('Linux aarch64')).toBe('linux-arm64');
    expect(targetFromUname('Linux armv7l')).toBe('linux-armv7');
    expect(targetFromUname('Linux armv8l')).toBe('linux-armv7');
    expect(targetFromUname('Linux riscv64')).toBe('linux-riscv64');
    expect(targetFromUname('Darwin arm64')).toBe('darwin-arm64');
    expect(targetFromUname('Darwin x86_64')).toBe('darwin-x64');
  });

  it('maps nothing it carries no build for', () => {
    for (const u of ['Linux armv6l', 'Linux i686', 'FreeBSD amd64', 'Darwin riscv64', '', 'Linux'])
      expect(targetFromUname(u)).toBeUndefined();
  });

  it('gives each target the patterns of exactly the answers that map to it', () => {
    for (const t of AGENT_TARGETS) {
      const patterns = unamePatterns(t);
      expect(patterns.length).toBeGreaterThan(0);
      for (const p of patterns) expect(targetFromUname(p.replace('*', 'l'))).toBe(t);
    }
    expect(unamePatterns('linux-x64')).toEqual(['Linux x86_64', 'Linux amd64']);
    expect(unamePatterns('linux-armv7')).toEqual(['Linux armv7*', 'Linux armv8*']);
  });
});
