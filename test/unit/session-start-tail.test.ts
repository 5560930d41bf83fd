// The words after `new ... --`: a command runs through the login shell like ssh's; `exec`
// words (a forward's `holdfast-agent nc`) run directly, so a start-up file that prints
// cannot reach the stream, and "$HOLDFAST_DIR" still expands in /bin/sh.
import { describe, expect, it } from 'vitest';
import { newSessionTail } from '../../main/engine/sessionStart';

const base = { destination: 'h', cols: 80, rows: 24 };

describe('newSessionTail', () => {
  it('runs a command through the login shell', () => {
    expect(newSessionTail({ ...base, command: ['echo', 'hi'] }, 'r1')).toMatch(
      / -- "\$SHELL" -c 'echo hi'$/,
    );
  });

  it('passes exec words to /bin/sh as they are, without the login shell', () => {
    const tail = newSessionTail(
      { ...base, pipes: true, exec: ['"$HOLDFAST_DIR/bin/holdfast-agent"', 'nc', "'h'", '80'] },
      'r2',
    );
    expect(tail).toMatch(/ '--pipes' /);
    expect(tail).toMatch(/ -- "\$HOLDFAST_DIR\/bin\/holdfast-agent" nc 'h' 80$/);
    expect(tail).not.toMatch(/\$SHELL/);
  });
});
