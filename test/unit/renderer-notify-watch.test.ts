// Proves the notice rules: an output pattern matches through colours and across chunks,
// once per quiet period; an ended session's notice carries its status and duration.
import { describe, expect, it } from 'vitest';

import { endedNotice, PATTERN_QUIET_MS, PatternWatch } from '../../renderer/src/notify/watch';

describe('PatternWatch', () => {
  it('matches through escape sequences, any case, and names the line', () => {
    const w = new PatternWatch();
    expect(w.feed('ok\r\n\x1b[31mERR', ['error'], 0)).toBeUndefined();
    expect(w.feed('OR\x1b[0m: disk full\r\nnext', ['error'], 1)).toEqual({
      pattern: 'error',
      line: 'ERROR: disk full',
    });
  });

  it('stays quiet for the same pattern for a while', () => {
    const w = new PatternWatch();
    expect(w.feed('done\n', ['done'], 0)).toBeDefined();
    expect(w.feed('done\n', ['done'], PATTERN_QUIET_MS - 1)).toBeUndefined();
    expect(w.feed('done\n', ['done'], PATTERN_QUIET_MS)).toBeDefined();
  });
});

describe('endedNotice', () => {
  it('says the exit status and how long it ran', () => {
    expect(endedNotice('web', 3, 2_000)).toMatchObject({
      title: 'web: session ended',
      body: 'exit status 3 after 2 s',
      badge: 'exit 3',
    });
  });
});
