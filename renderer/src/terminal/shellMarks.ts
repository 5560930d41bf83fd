// Shell integration marks, decided without I/O: the OSC 133 prompt marks (FinalTerm's, as
// iTerm2, WezTerm, kitty and Windows Terminal read them) and VS Code's OSC 633 superset,
// turned into "a command ran from t0 to t1 and exited with N". Time is an argument; the
// terminal's parser hooks feed the payloads in, the notifier decides what is worth a notice.
//
// The marks a shell prints around one command:
//   OSC 133;A ST        the prompt starts
//   OSC 133;B ST        the prompt ends, the user types the command line
//   OSC 133;C ST        the command line was accepted: the command runs (output starts)
//   OSC 133;D[;N] ST    the command finished with exit status N (absent: unknown)
// OSC 633 uses the same letters and adds E;<command line> (`;` escaped as \x3b, `\` as \\)
// and P;<key>=<value> properties, of which none is needed here.

/** One mark as parsed from an OSC 133/633 payload; undefined for anything else. */
export type ShellMark =
  | { readonly kind: 'prompt-start' }
  | { readonly kind: 'prompt-end' }
  | { readonly kind: 'command-start' }
  | { readonly kind: 'command-end'; readonly exitCode: number | undefined }
  | { readonly kind: 'command-line'; readonly text: string };

/** A command the shell ran, from its C mark to its D mark. */
export type FinishedCommand = {
  readonly exitCode: number | undefined;
  readonly durationMs: number;
  /** From OSC 633;E when the shell says it; empty otherwise. */
  readonly command: string;
};

/** Longest command line kept from an OSC 633;E mark (it only titles a notice). */
const COMMAND_LINE_MAX_CHARS = 200;

/** Parses the payload of OSC 133 or OSC 633 (the text after `133;` or `633;`). */
export function parseShellMark(payload: string): ShellMark | undefined {
  const [letter = '', ...params] = payload.split(';');
  switch (letter) {
    case 'A':
      return { kind: 'prompt-start' };
    case 'B':
      return { kind: 'prompt-end' };
    case 'C':
      return { kind: 'command-start' };
    case 'D': {
      const status = params[0];
      // A status is a decimal integer; anything else (empty, options like `aid=…`) is unknown.
      const exitCode =
        status !== undefined && /^-?\d{1,10}$/.test(status) ? Number(status) : undefined;
      return { kind: 'command-end', exitCode };
    }
    case 'E':
      return { kind: 'command-line', text: unescape633(params[0] ?? '') };
    default:
      return undefined;
  }
}

/** OSC 633's escaping: `\\` is a backslash, `\xAB` a character by its hex code. */
function unescape633(text: string): string {
  return text
    .replace(/\\(\\|x([0-9a-fA-F]{2}))/g, (_, all: string, hex: string | undefined) =>
      hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : all,
    )
    .slice(0, COMMAND_LINE_MAX_CHARS);
}

/**
 * One terminal's shell marks over time. `seen` says the shell speaks OSC 133 at all (the
 * tab then trusts it over the foreground-process poll).
 */
export class ShellMarks {
  private _seen = false;
  private _startedAt: number | undefined;
  private _commandLine = '';

  get seen(): boolean {
    return this._seen;
  }

  /** Whether a command is running now (between its C and D marks). */
  get running(): boolean {
    return this._startedAt !== undefined;
  }

  /** A mark at time `now` (ms); the finished command when this mark ends one. */
  feed(mark: ShellMark, now: number): FinishedCommand | undefined {
    this._seen = true;
    switch (mark.kind) {
      case 'command-line':
        this._commandLine = mark.text;
        return undefined;
      case 'command-start':
        this._startedAt = now;
        return undefined;
      case 'command-end': {
        const started = this._startedAt;
        const command = this._commandLine;
        this._startedAt = undefined;
        this._commandLine = '';
        // A D with no C before it is a prompt redrawn (the first one, an empty line, ^C at
        // the prompt): no command ran.
        if (started === undefined) return undefined;
        return { exitCode: mark.exitCode, durationMs: Math.max(0, now - started), command };
      }
      case 'prompt-start':
      case 'prompt-end':
        return undefined;
    }
  }
}
