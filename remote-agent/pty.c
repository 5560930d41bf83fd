/* pty.c - the session's PTY and its child process.
 *
 * POSIX PTY calls only (posix_openpt/grantpt/unlockpt/ptsname): macOS has no <pty.h>.
 * The master opens the slave before forking and keeps its copy until the child is reaped,
 * so the PTY never looks hung up while the child lives: were every slave fd closed (a
 * program that closes its stdio before it exits, `exec >log 2>&1 </dev/null`), the master
 * would read EIO and close its end, and closing the master end hangs the terminal up:
 * the kernel sends SIGHUP to the session leader, killing a child that was still running. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "master.h"

/* What the child reports through the close-on-exec pipe when it cannot start. */
struct spawn_failure {
    int stage; /* 1: chdir, 2: exec */
    int err;
};

static const char *pty_login_shell(void)
{
    const char *sh = getenv("SHELL");
    struct passwd *pw;
    if (sh && *sh)
        return sh;
    pw = getpwuid(getuid());
    if (pw && pw->pw_shell && *pw->pw_shell)
        return pw->pw_shell;
    return "/bin/sh";
}

void spawn_reset_signals(void)
{
    sigset_t none;
    int i;
    static const int reset[] = { SIGHUP, SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGQUIT };
    for (i = 0; i < (int)(sizeof reset / sizeof reset[0]); i++)
        signal(reset[i], SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

void spawn_exec(struct master *m, const struct master_opts *o, int errfd)
{
    struct spawn_failure f = { 0, 0 };
    char idenv[64];
    int i;

    snprintf(idenv, sizeof idenv, "%s", m->id);
    setenv("HOLDFAST_SESSION", idenv, 1);
    for (i = 0; i < o->nenv; i++) {
        char *eq = strchr(o->env[i], '=');
        if (eq) {
            *eq = '\0';
            setenv(o->env[i], eq + 1, 1);
            *eq = '=';
        }
    }
    if (o->cwd_fd >= 0 && fchdir(o->cwd_fd) < 0)
        (void)0; /* stay where we are; --cwd below may still fix it */
    if (o->cwd && chdir(o->cwd) < 0) {
        f.stage = 1;
        f.err = errno;
        goto fail;
    }
    if (o->argv) {
        execvp(o->argv[0], o->argv);
    } else {
        const char *shell = pty_login_shell();
        const char *base = strrchr(shell, '/');
        char argv0[256];
        char *argv[2];
        snprintf(argv0, sizeof argv0, "-%s", base ? base + 1 : shell);
        argv[0] = argv0;
        argv[1] = NULL;
        execv(shell, argv);
    }
    f.stage = 2;
    f.err = errno;
fail:
    if (write(errfd, &f, sizeof f) < 0)
        _exit(126);
    _exit(127);
}

int spawn_result(const struct master_opts *o, int errfd, char *err, size_t errcap)
{
    struct spawn_failure f;
    ssize_t n;
    do
        n = read(errfd, &f, sizeof f);
    while (n < 0 && errno == EINTR);
    close(errfd);
    if (n != (ssize_t)sizeof f)
        return 0;
    if (f.stage == 1)
        snprintf(err, errcap, "cannot change to directory %s: %s; check --cwd", o->cwd,
                 strerror(f.err));
    else
        snprintf(err, errcap, "cannot run '%s': %s; check the command name and PATH",
                 o->argv ? o->argv[0] : pty_login_shell(), strerror(f.err));
    return -1;
}

/* In the child: never returns. */
static void pty_child(struct master *m, const struct master_opts *o, int slave, int errfd)
{
    spawn_reset_signals();
    setsid();
#ifdef TIOCSCTTY
    ioctl(slave, TIOCSCTTY, 0);
#endif
    dup2(slave, 0);
    dup2(slave, 1);
    dup2(slave, 2);
    if (slave > 2)
        close(slave);
    if (!getenv("TERM"))
        setenv("TERM", "xterm-256color", 1);
    spawn_exec(m, o, errfd);
}

int pty_spawn(struct master *m, const struct master_opts *o, char *err, size_t errcap)
{
    int ptm, slave = -1, pipefd[2];
    char *name;
    struct winsize ws;
    pid_t pid;

    ptm = posix_openpt(O_RDWR | O_NOCTTY);
    if (ptm < 0 || grantpt(ptm) < 0 || unlockpt(ptm) < 0 || !(name = ptsname(ptm)) ||
        (slave = open(name, O_RDWR | O_NOCTTY)) < 0) {
        snprintf(err, errcap, "cannot open a pseudo-terminal: %s; check /dev/ptmx and /dev/pts",
                 strerror(errno));
        if (ptm >= 0)
            close(ptm);
        return -1;
    }
    memset(&ws, 0, sizeof ws);
    ws.ws_col = m->cols;
    ws.ws_row = m->rows;
    ioctl(slave, TIOCSWINSZ, &ws);
    if (pipe(pipefd) < 0) {
        snprintf(err, errcap, "cannot create a pipe: %s; too many open files?", strerror(errno));
        close(ptm);
        close(slave);
        return -1;
    }
    hf_set_cloexec(pipefd[0]);
    hf_set_cloexec(pipefd[1]);
    hf_set_cloexec(ptm);
    pid = fork();
    if (pid < 0) {
        snprintf(err, errcap, "cannot fork: %s; too many processes?", strerror(errno));
        close(ptm);
        close(slave);
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        close(pipefd[0]);
        close(ptm);
        pty_child(m, o, slave, pipefd[1]);
    }
    hf_set_cloexec(slave);
    close(pipefd[1]);
    m->child = pid;
    m->pty = ptm;
    m->slave = slave;
    if (spawn_result(o, pipefd[0], err, errcap) < 0)
        return -1;
    hf_set_nonblock(ptm, 1);
    return 0;
}

void pty_resize(struct master *m, uint16_t cols, uint16_t rows)
{
    struct winsize ws;
    m->cols = cols;
    m->rows = rows;
    if (m->pty < 0)
        return;
    memset(&ws, 0, sizeof ws);
    ws.ws_col = cols;
    ws.ws_row = rows;
    ioctl(m->pty, TIOCSWINSZ, &ws);
}

/* Briefly changes the size and changes it back: full-screen programs get SIGWINCH and
 * repaint, whatever size they end up reading. */
void pty_redraw(struct master *m)
{
    uint16_t cols = m->cols, rows = m->rows;
    pty_resize(m, cols, rows > 1 ? (uint16_t)(rows - 1) : (uint16_t)(rows + 1));
    pty_resize(m, cols, rows);
}

/* Delivers sig to the PTY's foreground process group (the child's group if unknown). */
void pty_signal(struct master *m, int sig)
{
    pid_t pg = m->pty >= 0 ? tcgetpgrp(m->pty) : -1;
    if (pg <= 0)
        pg = m->child;
    if (m->child_done && pg == m->child)
        return; /* never signal a pid that may have been reused */
    if (kill(-pg, sig) < 0 && !m->child_done)
        kill(m->child, sig);
}
