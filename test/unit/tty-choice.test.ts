// Proves `holdfast` asks for a terminal by ssh's -t/-T rules and ssh_config's RequestTTY,
// the command line winning (bin/ttyChoice.ts).
import { describe, expect, it } from 'vitest';
import { chooseTty, NO_TTY_WARNING } from '../../bin/ttyChoice';

describe('whether the CLI asks for a terminal', () => {
  it('asks when both stdin and stdout are terminals, and not otherwise', () => {
    expect(chooseTty({ t: 0, T: false }, true, true)).toEqual({ pty: true });
    expect(chooseTty({ t: 0, T: false }, false, true)).toEqual({ pty: false });
    expect(chooseTty({ t: 0, T: false }, true, false)).toEqual({ pty: false });
  });

  it("-T never asks; -tt always; -t when stdin is a terminal, else with ssh's warning", () => {
    expect(chooseTty({ t: 0, T: true }, true, true)).toEqual({ pty: false });
    expect(chooseTty({ t: 2, T: false }, false, false)).toEqual({ pty: true });
    expect(chooseTty({ t: 1, T: false }, true, false)).toEqual({ pty: true });
    expect(chooseTty({ t: 1, T: false }, false, true)).toEqual({
      pty: false,
      warning: NO_TTY_WARNING,
    });
    expect(NO_TTY_WARNING).toBe(
      'Pseudo-terminal will not be allocated because stdin is not a terminal.\r\n',
    );
  });

  it('RequestTTY no, yes and force are -T, -t and -tt; auto is the default', () => {
    const none = { t: 0, T: false };
    expect(chooseTty(none, true, true, 'no')).toEqual({ pty: false });
    expect(chooseTty(none, false, false, 'force')).toEqual({ pty: true });
    expect(chooseTty(none, true, false, 'yes')).toEqual({ pty: true });
    expect(chooseTty(none, false, true, 'yes')).toEqual({ pty: false, warning: NO_TTY_WARNING });
    expect(chooseTty(none, true, true, 'auto')).toEqual({ pty: true });
    expect(chooseTty(none, false, true, 'auto')).toEqual({ pty: false });
  });

  it('-t, -tt and -T on the command line win over RequestTTY', () => {
    expect(chooseTty({ t: 0, T: true }, true, true, 'force')).toEqual({ pty: false });
    expect(chooseTty({ t: 2, T: false }, false, false, 'no')).toEqual({ pty: true });
    expect(chooseTty({ t: 1, T: false }, true, false, 'no')).toEqual({ pty: true });
  });
});
