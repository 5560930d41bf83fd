/* opts.c - option parsing shared by the subcommands (declared in opts.h). */
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "util.h"

const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        hf_die("option %s needs a value; see: " HF_PROG " --help", name);
    return argv[++*i];
}

unsigned long long opt_number(const char *opt, const char *v, unsigned long long lo,
                              unsigned long long hi, int sized)
{
    char *end;
    unsigned long long x;
    if (!(*v >= '0' && *v <= '9'))
        goto bad;
    x = strtoull(v, &end, 10);
    if (sized && *end) {
        unsigned long long mul = 1;
        switch (*end) {
        case 'k': case 'K': mul = 1ULL << 10; break;
        case 'm': case 'M': mul = 1ULL << 20; break;
        case 'g': case 'G': mul = 1ULL << 30; break;
        default: goto bad;
        }
        if (x > hi / mul + 1)
            goto bad;
        x *= mul;
        end++;
    }
    if (*end || x < lo || x > hi)
        goto bad;
    return x;
bad:
    hf_die("%s must be a number from %llu to %llu%s, got '%s'; see: " HF_PROG " --help", opt, lo,
           hi, sized ? " (K, M, G suffixes allowed)" : "", v);
    return 0;
}

void opt_unknown(const char *cmd, const char *arg)
{
    if (arg[0] == '-')
        hf_die("unknown option '%s' for %s; see: " HF_PROG " --help", arg, cmd);
    hf_die("unexpected argument '%s' for %s; see: " HF_PROG " --help", arg, cmd);
}
