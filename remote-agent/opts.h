/* opts.h - option parsing shared by the subcommands. */
#ifndef HF_OPTS_H
#define HF_OPTS_H

/* Takes the value of option `name` at argv[*i] ("--name V" or "--name=V"). Returns the
 * value (advancing *i past it), or NULL when argv[*i] is not that option. Dies when the
 * value is missing. */
const char *opt_value(int argc, char **argv, int *i, const char *name);
/* Parses an unsigned number within [lo, hi] (K/M/G suffixes when `sized`); dies naming
 * the option otherwise. */
unsigned long long opt_number(const char *opt, const char *v, unsigned long long lo,
                              unsigned long long hi, int sized);
/* Dies with the unknown-option message. */
void opt_unknown(const char *cmd, const char *arg);

#endif
