// Whether `holdfast` asks for a terminal, by ssh's rules (ssh(1) -t, -T): pure, so the
// rules are tested on their own (test/unit/tty-choice.test.ts).

import type { RequestTty } from '../main/engine/ssh/configDirectives';

/** ssh's words when -t cannot be honoured, printed as ssh prints them (CR LF). */
export const NO_TTY_WARNING =
  'Pseudo-terminal will not be allocated because stdin is not a terminal.\r\n';

export type TtyChoice = { pty: boolean; warning?: string };

/**
 * `-T` never; `-tt` always; `-t` when stdin is a terminal (else ssh's warning). Without
 * either, RequestTTY as ssh reads it: `no` is -T, `yes` -t, `force` -tt. Without any of
 * them (or `auto`): a terminal when stdin and stdout both are one. (ssh asks for none when
 * a command is given; holdfast keeps `holdfast host -- vim` interactive, and still runs
 * `cmd > file`, `a | holdfast host -- b` and scripts without one, byte-exact.)
 */
export function chooseTty(
  flags: { t: number; T: boolean },
  stdinIsTty: boolean,
  stdoutIsTty: boolean,
  requestTty?: RequestTty,
): TtyChoice {
  // The command line wins over the config, as in ssh (the first value obtained is used).
  if (!flags.T && flags.t === 0 && requestTty !== undefined && requestTty !== 'auto')
    return chooseTty(
      { t: requestTty === 'force' ? 2 : requestTty === 'yes' ? 1 : 0, T: requestTty === 'no' },
      stdinIsTty,
      stdoutIsTty,
    );
  if (flags.T) return { pty: false };
  if (flags.t >= 2) return { pty: true };
  if (flags.t === 1) return stdinIsTty ? { pty: true } : { pty: false, warning: NO_TTY_WARNING };
  return { pty: stdinIsTty && stdoutIsTty };
}
