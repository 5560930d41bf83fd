/* cmd_list.c - `ls` and `kill`: ask each session's master (HELLO + INFO) for its live
 * state; a socket that refuses connections belongs to a crashed master and is removed.
 * `kill --wait` also reaps: the engine's one call to end a session. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "cmd.h"
#include "opts.h"
#include "statedir.h"
#include "util.h"

struct ls_row {
    char *json;
    char *created;
    char *id;
};

static int ls_cmp(const void *a, const void *b)
{
    const struct ls_row *x = a, *y = b;
    int c = strcmp(x->created ? x->created : "", y->created ? y->created : "");
    return c ? c : strcmp(x->id, y->id);
}

static void ls_print_row(const char *json)
{
    static const char *const keys[] = { "id", "name", "pid", "created", "attached", "state",
                                        "command" };
    static const int widths[] = { 12, 16, 8, 22, 10, 12, 0 };
    size_t k;
    for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char *v = hf_json_get(json, keys[k]);
        if (widths[k])
            printf("%-*s ", widths[k] - 1, v && *v ? v : "-");
        else
            printf("%s\n", v ? v : "");
        free(v);
    }
}

int cmd_ls(int argc, char **argv)
{
    struct hf_state st;
    struct ls_row *rows;
    char **ids;
    int i, n, nrows = 0, json = 0;

    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            opt_unknown("ls", argv[i]);
    }
    statedir_enter(&st);
    n = statedir_list(&ids);
    rows = calloc((size_t)n + 1, sizeof *rows);
    if (!rows)
        hf_die("out of memory; free some memory and retry");
    for (i = 0; i < n; i++) {
        char err[512];
        char *info = cli_info(ids[i], err, sizeof err);
        if (!info) {
            /* a dead master's socket was removed by cli_open, and a session that ended
             * while we asked is simply gone: neither is listed; only a hung one is named */
            if (strstr(err, "hung"))
                hf_warn("%s", err);
            free(ids[i]);
            continue;
        }
        rows[nrows].json = info;
        rows[nrows].created = hf_json_get(info, "created");
        rows[nrows].id = ids[i];
        nrows++;
    }
    free(ids);
    qsort(rows, (size_t)nrows, sizeof *rows, ls_cmp);
    if (json) {
        printf("[");
        for (i = 0; i < nrows; i++)
            printf("%s\n%s", i ? "," : "", rows[i].json);
        printf("%s]\n", nrows ? "\n" : "");
    } else if (nrows == 0) {
        printf("no sessions\n");
    } else {
        printf("%-11s %-15s %-7s %-21s %-9s %-11s %s\n", "ID", "NAME", "PID", "CREATED",
               "ATTACHED", "STATE", "COMMAND");
        for (i = 0; i < nrows; i++)
            ls_print_row(rows[i].json);
    }
    for (i = 0; i < nrows; i++) {
        free(rows[i].json);
        free(rows[i].created);
        free(rows[i].id);
    }
    free(rows);
    return 0;
}

/* Signal names and numbers `kill --signal` accepts (local numbering). */
static int kill_parse_signal(const char *s)
{
    static const struct {
        const char *name;
        int sig;
    } table[] = { { "HUP", SIGHUP },   { "INT", SIGINT },   { "QUIT", SIGQUIT },
                  { "KILL", SIGKILL }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
                  { "USR2", SIGUSR2 }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
                  { "WINCH", SIGWINCH }, { "ALRM", SIGALRM } };
    size_t i;
    if (isdigit((unsigned char)s[0]))
        return (int)opt_number("--signal", s, 1, 64, 0);
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcasecmp(s, table[i].name) == 0)
            return table[i].sig;
    hf_die("unknown signal '%s'; use a name like TERM, KILL, INT, HUP or a number", s);
    return 0;
}

#define KILL_WAIT_MS 3000 /* --wait: how long a command gets to go after TERM and HUP;
                            a shell ends at once, a job cleaning up may take a moment */
#define KILL_POLL_MS 50   /* --wait: how often the session is asked meanwhile */
#define KILL_SETTLE_MS 300 /* after TERM and HUP: how long to watch the command go... */
#define KILL_REHUP_MS 100  /* ...hanging it up again this often: an interactive bash that
                              gets its HUP while it starts up (between installing its
                              handlers and reading its first line) sometimes drops it; 3 in
                              60 shells killed right after `new` kept running. A second
                              HUP ends them. */

/* Hangs up the command's process group, and again while it is still there, for at most
 * KILL_SETTLE_MS (it ends in a few ms; one that ignores HUP too is for --wait to report).
 * A zombie still answers kill(pid, 0) until its master reaps it: a HUP more is harmless. */
static void kill_hang_up(pid_t child)
{
    int waited;
    kill(-child, SIGHUP);
    for (waited = 0; waited < KILL_SETTLE_MS; waited += KILL_POLL_MS) {
        poll(NULL, 0, KILL_POLL_MS);
        if (kill(child, 0) < 0 && errno == ESRCH)
            return;
        if ((waited + KILL_POLL_MS) % KILL_REHUP_MS == 0)
            kill(-child, SIGHUP);
    }
}

/* Signals the session's command (or, once it is over, ends the master keeping its status
 * for a collector). */
static void kill_signal(const char *id, const struct hf_state *st, int sig)
{
    struct hf_meta meta;
    char err[512];
    char *info = cli_info(id, err, sizeof err), *state;
    if (!info)
        hf_die("%s", err);
    state = hf_json_get(info, "state");
    if (meta_read(id, &meta) < 0)
        hf_die("session %s has no readable metadata (%s/%s.meta); kill its master with: "
               "kill %s", id, st->sessions, id, "PID (see: " HF_PROG " ls)");
    if (state && strncmp(state, "exited", 6) == 0) {
        /* already over: end the master that keeps the status for a collector */
        kill((pid_t)meta.pid, SIGTERM);
    } else {
        if (meta.child <= 1)
            hf_die("session %s has no valid child pid in its metadata; kill it with: kill %ld",
                   id, meta.pid);
        if (kill(-(pid_t)meta.child, sig) < 0 && kill((pid_t)meta.child, sig) < 0)
            hf_die("cannot signal session %s: %s; check it with: " HF_PROG " ls", id,
                   strerror(errno));
        /* interactive shells ignore TERM; a hangup is what a closed terminal sends */
        if (sig == SIGTERM)
            kill_hang_up((pid_t)meta.child);
    }
    free(state);
    free(info);
}

/* --wait: until the command has gone, then - when no client is attached to collect its
 * status - ends the master at once instead of leaving it for the exit grace period: the
 * user asked for the session to end. A client that is attached collects the status
 * itself and the master ends after it. 0, or 1 when the command outlived KILL_WAIT_MS. */
static int kill_wait(const char *id)
{
    uint64_t deadline = hf_now_ms() + KILL_WAIT_MS;
    int ended = 0;
    for (;;) {
        char err[512];
        char *info = cli_info(id, err, sizeof err), *state, *attached;
        int over, nobody;
        if (!info)
            return 0; /* the master has gone: the session is over */
        state = hf_json_get(info, "state");
        attached = hf_json_get(info, "attached");
        over = state && strncmp(state, "exited", 6) == 0;
        nobody = attached && strcmp(attached, "0") == 0;
        free(state);
        free(attached);
        free(info);
        if (over && !nobody)
            return 0; /* its client collects the status; the master ends after that */
        if (over && !ended) {
            struct hf_meta meta;
            if (meta_read(id, &meta) == 0)
                kill((pid_t)meta.pid, SIGTERM);
            ended = 1; /* then wait for it to go, so a list right after no longer shows it */
        }
        if (hf_now_ms() >= deadline) {
            if (ended)
                return 0;
            hf_warn("session %s is still running %d s after the signal; end it with: " HF_PROG
                    " kill %s --signal KILL",
                    id, KILL_WAIT_MS / 1000, id);
            return 1;
        }
        poll(NULL, 0, KILL_POLL_MS);
    }
}

int cmd_kill(int argc, char **argv)
{
    struct hf_state st;
    const char *arg = NULL;
    char id[HF_ID_MAX + 1];
    int i, sig = SIGTERM, wait = 0;

    for (i = 0; i < argc; i++) {
        const char *v;
        if ((v = opt_value(argc, argv, &i, "--signal")) || (v = opt_value(argc, argv, &i, "-s")))
            sig = kill_parse_signal(v);
        else if (strcmp(argv[i], "--wait") == 0)
            wait = 1;
        else if (argv[i][0] == '-' || arg)
            opt_unknown("kill", argv[i]);
        else
            arg = argv[i];
    }
    if (!arg)
        hf_die("kill needs a session id; e.g. " HF_PROG " kill ID (see: " HF_PROG " ls)");
    statedir_enter(&st);
    statedir_resolve(arg, id);
    kill_signal(id, &st, sig);
    return wait ? kill_wait(id) : 0;
}
