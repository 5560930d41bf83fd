import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// One run, several rooms. Integration tests start their own sshd, proxy and agent
// sessions per file, so files run in parallel; each project names what it proves.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'agent', include: ['test/agent/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'agent-asan',
          include: ['test/agent/**/*.test.ts'],
          exclude: ['test/agent/c-unit.test.ts', 'test/agent/fuzz.test.ts'],
          env: { HOLDFAST_AGENT_BIN: `${root}remote-agent/build/asan/holdfast-agent` },
          testTimeout: 120_000,
        },
      },
      { test: { name: 'bed', include: ['test/bed/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000 } },
    ],
  },
});
