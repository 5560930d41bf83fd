// The shell integration Holdfast offers to install into a session's shell: one line, typed
// into the terminal where the user sees it (never sent silently), that makes bash or zsh
// print the OSC 133 marks around each command (./shellMarks.ts reads them):
//
//   bash  PROMPT_COMMAND runs __hf_d first: D;<status of the last command>, then A;
//         PS0 (bash 4.4+, printed after a line is read, before it runs) prints C;
//         PS1 ends with B, inside \[ \] so readline does not count it as width.
//   zsh   precmd_functions runs __hf_d first (D;$?, A); preexec_functions prints C (both
//         declared first, so `setopt nounset` finds them set);
//         PS1 ends with B inside %{ %}.
//
// It lasts as long as that shell (nothing is written to a start-up file), keeps the exit
// status for the PROMPT_COMMAND that ran before it, works under `set -u` (every variable
// that may be unset is read as ${NAME-}), and a second install does nothing (__hf_si). It starts with a space, so a shell with HISTCONTROL=ignorespace (or zsh's
// HIST_IGNORE_SPACE) keeps it out of the history.

/** What the confirmation says, for the user to judge before anything is typed. */
export const SHELL_INTEGRATION_ABOUT =
  'Holdfast will type the line below into this session’s shell (bash or zsh). It makes ' +
  'the shell mark where each command starts and ends, with its exit status, so Holdfast can ' +
  'tell you when a long command finishes, how it ended and how long it took. It changes only ' +
  'this shell (PROMPT_COMMAND, PS0 and PS1 in bash; precmd, preexec and PS1 in zsh), until it exits.';

const MARK = (letter: string): string => `$(printf '\\033]133;${letter}\\007')`;

const D_AND_A = `__hf_d(){ local s=$?; printf '\\033]133;D;%s\\007\\033]133;A\\007' "$s"; return $s; }`;

/** The line typed into the shell (without the Enter that runs it). */
export const SHELL_INTEGRATION_LINE = [
  ' if [ -n "${__hf_si-}" ]; then :;',
  `elif [ -n "\${ZSH_VERSION-}" ]; then __hf_si=1; ${D_AND_A};`,
  `__hf_c(){ printf '\\033]133;C\\007'; };`,
  'typeset -ga precmd_functions preexec_functions;',
  'precmd_functions=(__hf_d $precmd_functions); preexec_functions+=(__hf_c);',
  `PS1="$PS1%{${MARK('B')}%}";`,
  `elif [ -n "\${BASH_VERSION-}" ]; then __hf_si=1; ${D_AND_A};`,
  'PROMPT_COMMAND="__hf_d${PROMPT_COMMAND:+;$PROMPT_COMMAND}";',
  `PS0="\${PS0-}${MARK('C')}"; PS1="\${PS1-}\\[${MARK('B')}\\]";`,
  'else echo "Holdfast: shell integration is for bash and zsh; this shell is neither." >&2; fi',
].join(' ');
