/* cmd_new.c - `new`: start a detached session and print its id once it is ready.
 *
 * new -> fork -> setsid -> fork -> master. The master reports "ok ID" or
 * "error MESSAGE" through a pipe once its socket listens and the child has exec'd (exec
 * failure comes back through the child's own close-on-exec pipe, see pty.c).
 *
 * `--request TOKEN` makes `new` idempotent: a client that lost the reply (the link dropped
 * after the session started) runs the same `new` again and gets the same id back. The
 * token goes into the session's metadata; a `new` whose token a live session (running, or
 * exited and still kept) already has prints that session's id and starts nothing. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "opts.h"
#include "master.h"
#include "names.h"
#include "statedir.h"
#include "util.h"

#define NEW_MIN_SCROLLBACK 4096ULL
#define NEW_MAX_SCROLLBACK (1ULL << 30)
#define NEW_DEFAULT_SCROLLBACK (8ULL << 20)
#define NEW_MAX_HOLD_S 3600 /* an hour: a client that starts a session attaches in seconds */
#define NEW_MAX_ORPHAN_GRACE_S (30UL * 24 * 3600) /* a month: longer is "for ever" (omit it) */
#define NEW_LOCK_FILE ".request.lock" /* in sessions/: serializes `new` per --request token */
#define NEW_LOCK_WAIT_MS 10000        /* a `new` holding a token is done in milliseconds; one
                                         stuck longer (stopped?) must not hang its retries */
#define NEW_LOCK_SLOTS 1048576        /* lock bytes tokens hash onto: distinct tokens almost
                                         never wait for each other */

static int new_lock_fd = -1; /* the lock file, closed in the master (it holds no lock) */

/* Highest fd closed when the master detaches (csh keeps copies of its stdio at 15..19,
 * other parents a few more); enough for what a login shell leaves open. */
#define NEW_CLOSE_FDS_MAX 1024

/* The master must not hold anything its creator inherited: a login shell's copies of
 * the SSH channel's stdio would keep the channel (and `new`'s reply) open for the life of
 * the session. Keeps 0..2 (set to /dev/null later) and the fds the master needs. */
static void new_close_inherited(int keep1, int keep2)
{
    long max = sysconf(_SC_OPEN_MAX);
    int fd;
    if (max < 0 || max > NEW_CLOSE_FDS_MAX)
        max = NEW_CLOSE_FDS_MAX;
    for (fd = 3; fd < max; fd++)
        if (fd != keep1 && fd != keep2)
            close(fd);
}

/* A token is 16..64 characters of [A-Za-z0-9_-]: one word on the command line and in the
 * metadata, and long enough to be random. The value is not echoed: it may hold a newline. */
static void new_check_request(const char *token)
{
    size_t n = strlen(token);
    if (n < HF_REQUEST_MIN || n > HF_REQUEST_MAX)
        hf_die("--request must be %d to %d characters, got %lu; pass a random token, e.g. 32 "
               "hex digits",
               HF_REQUEST_MIN, HF_REQUEST_MAX, (unsigned long)n);
    if (strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != n)
        hf_die("--request may hold only letters, digits, '-' and '_'; pass a random token, "
               "e.g. 32 hex digits");
}

/* Takes the lock for this token, held until `new` exits (after the master reported ready,
 * so the metadata naming the token exists by then): a second `new` with the same token
 * waits, then finds the session instead of starting another. A POSIX record lock on one
 * byte chosen by the token's hash: released however `new` ends, never inherited by the
 * master, and tokens that differ share a byte only by chance (then one briefly waits).
 * Best effort: where the lock file cannot be made (a full disk: the lookup must still
 * work) or locked (a file system without record locks), `new` goes on without it; only
 * simultaneous `new` with one token need it, and the engine's retries are sequential. */
static void new_lock_request(const char *token)
{
    struct flock fl;
    uint32_t h = 2166136261u; /* FNV-1a */
    uint64_t deadline = hf_now_ms() + NEW_LOCK_WAIT_MS;
    const char *p;

    new_lock_fd = open(NEW_LOCK_FILE, O_RDWR | O_CREAT, 0600);
    if (new_lock_fd < 0)
        return;
    hf_set_cloexec(new_lock_fd);
    for (p = token; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = (off_t)(h % NEW_LOCK_SLOTS);
    fl.l_len = 1;
    while (fcntl(new_lock_fd, F_SETLK, &fl) < 0) {
        if (errno != EACCES && errno != EAGAIN && errno != EINTR)
            return; /* ENOLCK and the like: no locking here */
        if (hf_now_ms() >= deadline)
            hf_die("another `new` with this --request has been starting for %d s; retry, or "
                   "look for a stuck " HF_PROG " process",
                   NEW_LOCK_WAIT_MS / 1000);
        poll(NULL, 0, 10);
    }
}

/* Whether session `id`'s master takes a connection. A dead master's files are removed. */
/* A live session started with this token (running, or exited and kept for its status):
 * its id in id_out (HF_ID_MAX + 1 bytes). A dead master's files are removed, and it does
 * not count: a new session is started. */
static int new_find_request(const char *token, char *id_out)
{
    char **ids;
    int n = statedir_list(&ids), i, found = 0;
    for (i = 0; i < n; i++) {
        struct hf_meta m;
        if (!found && meta_read(ids[i], &m) == 0 && strcmp(m.request, token) == 0 &&
            names_is_live(ids[i])) {
            snprintf(id_out, HF_ID_MAX + 1, "%s", ids[i]);
            found = 1;
        }
        free(ids[i]);
    }
    free(ids);
    return found;
}

static void new_fresh_id(char *id)
{
    struct stat st;
    char sock[64];
    int tries;
    for (tries = 0; tries < 16; tries++) {
        if (hf_random_id(id) < 0)
            hf_die("cannot read /dev/urandom: %s; check that /dev is mounted", strerror(errno));
        snprintf(sock, sizeof sock, "%s.sock", id);
        if (lstat(sock, &st) < 0)
            return;
    }
    hf_die("cannot find an unused session id; clean the sessions directory");
}

/* Reads the master's one-line report. */
static void new_wait_ready(int fd, const char *id)
{
    char line[1400];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, line + len, sizeof line - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (memchr(line, '\n', len) || len == sizeof line - 1)
            break;
    }
    line[len] = '\0';
    if (len && line[len - 1] == '\n')
        line[len - 1] = '\0';
    if (strncmp(line, "ok ", 3) == 0) {
        printf("%s\n", id);
        fflush(stdout);
        exit(0);
    }
    if (strncmp(line, "error ", 6) == 0)
        hf_die("%s", line + 6);
    hf_die("the session's master process ended while starting; see the system log, "
           "or retry with a plain command, e.g. " HF_PROG " new -- /bin/sh");
}

int cmd_new(int argc, char **argv)
{
    struct master_opts o;
    struct hf_state st;
    char id[HF_ID_LEN + 1];
    int i, ready[2];
    pid_t pid;

    memset(&o, 0, sizeof o);
    o.cols = 80;
    o.rows = 24;
    o.scrollback = (size_t)NEW_DEFAULT_SCROLLBACK;
    o.env = calloc((size_t)argc + 1, sizeof *o.env);
    if (!o.env)
        hf_die("out of memory; free some memory and retry");
    for (i = 0; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--") == 0) {
            if (i + 1 >= argc)
                hf_die("'--' must be followed by a command; e.g. " HF_PROG " new -- top");
            o.argv = argv + i + 1;
            break;
        } else if (strcmp(argv[i], "--forward-agent") == 0) {
            o.forward_agent = 1;
        } else if ((v = opt_value(argc, argv, &i, "--name"))) {
            names_check(v, "--name");
            o.name = v;
        } else if ((v = opt_value(argc, argv, &i, "--request"))) {
            new_check_request(v);
            o.request = v;
        } else if ((v = opt_value(argc, argv, &i, "--cols"))) {
            o.cols = (unsigned)opt_number("--cols", v, 1, HF_MAX_WINSIZE, 0);
        } else if ((v = opt_value(argc, argv, &i, "--rows"))) {
            o.rows = (unsigned)opt_number("--rows", v, 1, HF_MAX_WINSIZE, 0);
        } else if ((v = opt_value(argc, argv, &i, "--cwd"))) {
            o.cwd = v;
        } else if ((v = opt_value(argc, argv, &i, "--env"))) {
            if (!strchr(v, '=') || v[0] == '=')
                hf_die("--env takes NAME=VALUE, got '%s'; e.g. --env LANG=C.UTF-8", v);
            o.env[o.nenv++] = (char *)v;
        } else if (strcmp(argv[i], "--pipes") == 0) {
            o.pipes = 1; /* no PTY: the command's stdin/stdout/stderr are pipes */
        } else if ((v = opt_value(argc, argv, &i, "--orphan-grace"))) {
            /* the command ends once no client has been attached this long (orphan.c) */
            o.orphan_grace_s = (unsigned)opt_number("--orphan-grace", v, 1,
                                                    NEW_MAX_ORPHAN_GRACE_S, 0);
        } else if ((v = opt_value(argc, argv, &i, "--hold"))) {
            /* no output is overwritten before the first client attaches (master.c) */
            o.hold_s = (unsigned)opt_number("--hold", v, 1, NEW_MAX_HOLD_S, 0);
        } else if ((v = opt_value(argc, argv, &i, "--scrollback"))) {
            o.scrollback = (size_t)opt_number("--scrollback", v, NEW_MIN_SCROLLBACK,
                                              NEW_MAX_SCROLLBACK, 1);
        } else {
            opt_unknown("new", argv[i]);
        }
    }

    o.cwd_fd = open(".", O_RDONLY);
    if (o.cwd_fd >= 0)
        hf_set_cloexec(o.cwd_fd);
    statedir_enter(&st);
    o.sessions = st.sessions;
    if (o.request) {
        char existing[HF_ID_MAX + 1];
        new_lock_request(o.request);
        if (new_find_request(o.request, existing)) {
            printf("%s\n", existing);
            fflush(stdout);
            exit(0);
        }
    }
    if (o.name)
        names_unused(o.name, NULL);
    new_fresh_id(id);
    o.id = id;
    if (pipe(ready) < 0)
        hf_die("cannot create a pipe: %s; too many open files?", strerror(errno));
    hf_set_cloexec(ready[0]);
    hf_set_cloexec(ready[1]);
    o.ready_fd = ready[1];
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        hf_die("cannot fork: %s; too many processes?", strerror(errno));
    if (pid == 0) {
        close(ready[0]);
        if (new_lock_fd >= 0)
            close(new_lock_fd);
        new_close_inherited(ready[1], o.cwd_fd);
        setsid();
        pid = fork();
        if (pid < 0) {
            dprintf(ready[1], "error cannot fork: %s; too many processes?\n", strerror(errno));
            _exit(1);
        }
        if (pid > 0)
            _exit(0); /* the master is orphaned to init: it outlives its creator */
        master_main(&o);
    }
    close(ready[1]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    new_wait_ready(ready[0], id);
    return 1;
}
