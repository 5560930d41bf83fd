/* master.c - a session's master process: setup, the poll() loop, reading the PTY and
 * writing the input queue to it, exit and grace.
 *
 * One process per session (the dtach/abduco model). It owns the PTY, the child, the ring
 * and the listening socket; it never blocks on a client and never ends for lack of one.
 * Flow control follows PROTOCOL.md "Sessions, offsets and flow control". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "authfwd.h"
#include "codec.h"
#include "flow.h"
#include <stdint.h>

#include "master.h"
#include "statedir.h"

static int g_sig_w = -1;                   /* self-pipe write end */
static volatile sig_atomic_t g_terminate;  /* SIGTERM/SIGINT seen */

static void master_on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;
    if (sig == SIGTERM || sig == SIGINT)
        g_terminate = 1;
    if (write(g_sig_w, &c, 1) < 0) {
        /* pipe full: a wakeup is already pending */
    }
    errno = saved;
}

static void master_signals(struct master *m)
{
    struct sigaction sa;
    int p[2];
    if (pipe(p) < 0)
        return;
    m->sig_r = p[0];
    m->sig_w = g_sig_w = p[1];
    hf_set_nonblock(p[0], 1);
    hf_set_nonblock(p[1], 1);
    hf_set_cloexec(p[0]);
    hf_set_cloexec(p[1]);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = master_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_flags = 0;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* The listening socket, named relative to the sessions directory (our cwd, `dir` in
 * messages). */
static int master_listen(const char *id, const char *dir, char *err, size_t cap)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(err, cap, "cannot create a socket: %s; too many open files?", strerror(errno));
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s.sock", id);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, HF_LISTEN_BACKLOG) < 0) {
        if (hf_disk_full(errno)) /* a socket takes an inode */
            snprintf(err, cap, "cannot start the session: " HF_DISK_FULL, dir, strerror(errno));
        else
            snprintf(err, cap, "cannot listen on %s: %s; check the sessions directory",
                     sa.sun_path, strerror(errno));
        close(fd);
        return -1;
    }
    chmod(sa.sun_path, 0600);
    hf_set_nonblock(fd, 1);
    hf_set_cloexec(fd);
    return fd;
}

static void master_report(int fd, const char *fmt, const char *arg)
{
    char line[1200];
    int n = snprintf(line, sizeof line, fmt, arg);
    if (fd >= 0 && n > 0)
        hf_write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Removes the session's files and ends the process (the PTY closing hangs up the child). */
static void master_end(struct master *m)
{
    int i;
    char sock[64], meta[64];
    snprintf(sock, sizeof sock, "%s.sock", m->id);
    snprintf(meta, sizeof meta, "%s.meta", m->id);
    unlink(sock);
    unlink(meta);
    push_close_all(m);
    for (i = 0; i < m->nclients; i++)
        if (m->clients[i])
            mclient_free(m, m->clients[i]);
    linger_close_all(m);
    afwd_close(m);
    if (!m->child_done)
        kill(-m->child, SIGHUP);
    if (m->slave >= 0)
        close(m->slave);
    if (m->pty >= 0)
        close(m->pty);
    pipes_close(m);
    ring_free(&m->ring);
    inq_free(&m->inq);
    free(m->command);
    free(m);
    exit(0);
}

/* Writes queued input to the PTY (pipes: the command's stdin); each INPUT is acknowledged
 * once all of it is written. */
static void master_write_input(struct master *m)
{
    const uint8_t *p;
    size_t len;
    int fd = pipes_input_fd(m);
    while (fd >= 0 && (len = inq_pending(&m->inq, &p)) > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            break; /* the PTY is gone: what is queued can never be written */
        }
        inq_advance(&m->inq, (size_t)n, mclient_ack_written, m);
        if (m->pipes)
            pipes_input_written(m, (size_t)n, hf_now_ms());
    }
    if (fd < 0 || inq_pending(&m->inq, &p) > 0)
        pipes_input_gone(m);
    pipes_eof_due(m);
}

/* How many bytes the PTY may be read now: the job runs at the pace of the fastest live
 * client (DESIGN.md invariant 3). Each live attached client allows reading while it is
 * less than a window behind (version 3: behind what it has shown, so the PTY blocks and
 * a Ctrl-C's flush finds the backlog), and never so much that its own unsent bytes would
 * be overwritten (flow.c); the most any of them allows is the budget. Clients that are slower fall
 * behind and, past the ring, get a GAP; clients that are not live (no sign of life for
 * the keepalive limit; version 1: no progress for STALL_MS) hold nothing back. With no
 * live client the PTY is read freely. While every live client is a window behind, *wake
 * is lowered to when the first of them would stop counting as live. */
/* `new --hold`: what the PTY may add before the first client attaches: up to the first
 * window (HF_SHOWN_WINDOW), as if that client were attached and had shown nothing, so a
 * command that floods from its start blocks there and a Ctrl-C's flush finds the rest in
 * the PTY (reading on to the whole ring left 8 MiB no key could stop: 33 s on a 2 Mbit/s
 * link); never past the ring, so offset 0 is kept. SIZE_MAX once the hold is over (a
 * client came, or the time is up). */
static size_t master_hold_budget(struct master *m, uint64_t now, uint64_t *wake)
{
    uint64_t cap = m->ring.cap < HF_SHOWN_WINDOW ? m->ring.cap : HF_SHOWN_WINDOW;
    int i;
    if (!m->hold_until)
        return SIZE_MAX;
    for (i = 0; i < m->nclients; i++)
        if (m->clients[i] && m->clients[i]->state == CL_ATTACHED)
            m->hold_until = 0;
    if (m->hold_until && now >= m->hold_until)
        m->hold_until = 0;
    if (!m->hold_until)
        return SIZE_MAX;
    if (m->ring.end < cap)
        return cap - m->ring.end < HF_PTY_READ ? (size_t)(cap - m->ring.end) : HF_PTY_READ;
    if (m->hold_until < *wake)
        *wake = m->hold_until;
    return 0;
}

static size_t master_read_budget(struct master *m, uint64_t now, uint64_t *wake)
{
    uint64_t budget = 0, until = UINT64_MAX;
    int i, live = 0;
    size_t held = master_hold_budget(m, now, wake);
    if (held != SIZE_MAX)
        return held;
    for (i = 0; i < m->nclients; i++) {
        struct client *c = m->clients[i];
        struct flow_client f;
        uint64_t allow;
        if (!c || c->state != CL_ATTACHED)
            continue;
        if (m->ring.end == c->next && c->tx_off == c->tx_len)
            c->progress_ms = now;
        if (!mclient_is_live(m, c, now))
            continue;
        live++;
        f.end = m->ring.end;
        f.next = c->next;
        f.shown = c->shown;
        f.by_shown = c->version >= 3;
        f.window = c->wnd.window;
        allow = flow_allowance(&f, m->ring.cap);
        if (allow == 0) {
            uint64_t at = mclient_live_until(c);
            if (at < until)
                until = at;
            continue;
        }
        if (allow > budget)
            budget = allow;
    }
    if (!live || budget > HF_PTY_READ)
        return HF_PTY_READ;
    if (budget == 0 && until < *wake)
        *wake = until;
    return (size_t)budget;
}

static void master_pty_finished(struct master *m)
{
    m->pty_done = 1;
    if (m->pty >= 0)
        close(m->pty);
    m->pty = -1;
}

/* Reads the PTY until it would block or `budget` bytes (at most HF_PTY_BATCH) are in: a
 * PTY read returns at most the line discipline's 4 KiB, so one read per poll() would cost
 * a poll, a frame and a wakeup of every client per 4 KiB. The batch is bounded, so input
 * never waits behind more than one batch of output. */
static void master_read_pty(struct master *m, size_t budget, uint64_t now)
{
    size_t got = 0;
    if (budget > HF_PTY_BATCH)
        budget = HF_PTY_BATCH;
    while (got < budget) {
        size_t k;
        uint8_t *span = ring_write_span(&m->ring, budget - got, &k);
        ssize_t n = read(m->pty, span, k);
        if (n > 0) {
            ring_commit(&m->ring, (size_t)n);
            got += (size_t)n;
            m->output_ms = now;
            if (m->child_done)
                m->quiet_deadline = now + HF_QUIET_MS;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            master_pty_finished(m); /* EIO: every slave fd is closed */
        } else if (got == 0 && m->child_done && now >= m->quiet_deadline) {
            master_pty_finished(m); /* only background processes hold the PTY: done */
        }
        break;
    }
}

static void master_reap(struct master *m, uint64_t now)
{
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        if (p != m->child)
            continue;
        m->child_done = 1;
        m->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        m->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
        m->quiet_deadline = now + HF_QUIET_MS;
        /* The child is gone: the PTY may now end (EIO once nobody else holds it). */
        if (m->slave >= 0)
            close(m->slave);
        m->slave = -1;
    }
}

/* The loop itself failed (poll() other than EINTR: never seen, a bug or no memory).
 * Retrying would spin at full CPU without ever serving anyone, so say so where someone
 * may look (the system log and every attached client) and end the session. */
static void master_fail(struct master *m, const char *what, int err)
{
    char text[160];
    int i;
    snprintf(text, sizeof text, "session %s (master pid %ld) stopped: %s failed: %s; start a new "
             "session", m->id, (long)m->pid, what, strerror(err));
    syslog(LOG_USER | LOG_ERR, HF_PROG ": %s", text);
    for (i = 0; i < m->nclients; i++)
        if (m->clients[i])
            mclient_fail(m->clients[i], HF_ERR_INTERNAL, text);
    master_end(m);
}

static void master_drain_signals(struct master *m, uint64_t now)
{
    char buf[64];
    while (read(m->sig_r, buf, sizeof buf) > 0) {
    }
    master_reap(m, now);
    if (g_terminate)
        master_end(m);
}

static void master_accept(struct master *m)
{
    int fd = accept(m->listen_fd, NULL, NULL);
    struct client *c;
    if (fd < 0)
        return;
    hf_set_nonblock(fd, 1);
    hf_set_cloexec(fd);
    if (m->nclients >= HF_MAX_CONN || !(c = mclient_new(fd))) {
        uint8_t frame[128];
        char why[96];
        size_t n;
        snprintf(why, sizeof why, "too many connections to this session (limit %d); detach one",
                 HF_MAX_CONN);
        n = mclient_error_frame(frame, sizeof frame, HF_ERR_BUSY, why);
        if (write(fd, frame, n) < 0) {
            /* best effort */
        }
        /* the client may have sent HELLO and ATTACH already: not a reset that loses BUSY */
        linger_close(m, fd, hf_now_ms());
        return;
    }
    m->clients[m->nclients++] = c;
}

void master_push_attach(struct master *m, int fd, const uint8_t *id)
{
    struct client *c;
    /* A forgotten id (its slot went to another) has no place to resume from: closing the
     * connection sends the client to the session's own socket, where it attaches from the
     * offset it has. */
    if (dedup_lookup(&m->dedup, id) < 0 || m->nclients >= HF_MAX_CONN || !(c = mclient_new(fd))) {
        close(fd);
        return;
    }
    if (mclient_push_attach(m, c, id) < 0) {
        mclient_free(m, c); /* after its ERROR */
        return;
    }
    m->clients[m->nclients++] = c;
}

static void master_drop(struct master *m, int i)
{
    mclient_free(m, m->clients[i]);
    m->clients[i] = NULL;
}

static void master_compact(struct master *m)
{
    int i, j = 0;
    for (i = 0; i < m->nclients; i++)
        if (m->clients[i])
            m->clients[j++] = m->clients[i];
    m->nclients = j;
}

/* Drops connections still in the handshake past their deadline (lowering *wake to the next
 * one): else anyone able to connect holds one of the HF_MAX_CONN slots by saying nothing. */
static void master_expire_greeters(struct master *m, uint64_t now, uint64_t *wake)
{
    int i;
    for (i = 0; i < m->nclients; i++) {
        struct client *c = m->clients[i];
        if (c->state != CL_NEW && c->state != CL_WELCOMED)
            continue;
        if (now >= c->greet_deadline) {
            char text[120];
            snprintf(text, sizeof text,
                     "no ATTACH or INFO within %d s of connecting; send HELLO, then ATTACH or "
                     "INFO at once",
                     HF_HELLO_TIMEOUT_MS / 1000);
            mclient_fail(c, HF_ERR_TIMEOUT, text);
            master_drop(m, i);
        } else if (c->greet_deadline < *wake) {
            *wake = c->greet_deadline;
        }
    }
    master_compact(m);
}

static void master_check_exit(struct master *m, uint64_t now)
{
    int i;
    /* Pipes: like sshd, only once stdout and stderr ended too (a background process
     * that keeps them open holds the EXIT back; PROTOCOL.md "Pipes"). */
    if (!m->exited && m->child_done && m->pty_done && (!m->pipes || m->err_done)) {
        m->exited = 1;
        /* With --orphan-grace the status is kept as long as a client may still come for
         * it; ended for want of one, for nobody. */
        m->grace_deadline = now + (orphan_ended(m)     ? 0
                                   : m->orphan_grace_ms ? m->orphan_grace_ms
                                                        : (uint64_t)HF_EXIT_GRACE_MS);
        for (i = 0; i < m->nclients; i++)
            if (m->clients[i] && m->clients[i]->state == CL_ATTACHED)
                mclient_queue_exit(m, m->clients[i]);
    }
    if (m->exited && ((m->linger_deadline && now >= m->linger_deadline) ||
                      now >= m->grace_deadline))
        master_end(m);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* poll() slots: signals, listener, PTY (pipes: stdout), stderr, stdin; then clients */
#define MASTER_PFD_CLIENTS 5

static void master_loop(struct master *m)
{
    /* ...and last, the stdout of each client a bridge handed over (written, not read) */
    struct pollfd pfd[MASTER_PFD_CLIENTS + HF_MAX_CONN + 1 + HF_AGENT_MAX_CONNS + HF_LINGER_MAX +
                      HF_PUSH_MAX + HF_MAX_CONN];
    int widx[HF_MAX_CONN];
    for (;;) {
        uint64_t now = hf_now_ms(), wake = UINT64_MAX;
        size_t budget = 0, err_budget = 0;
        const uint8_t *pending;
        int i, n, timeout, nafwd, nlinger, npush, nw = 0;
        struct pollfd *push_pfd, *wpfd;

        master_check_exit(m, now);
        if (orphan_check(m, now, &wake))
            master_end(m);
        master_expire_greeters(m, now, &wake);
        if (m->pty >= 0)
            budget = m->pipes ? pipes_budget(m, 0) : master_read_budget(m, now, &wake);
        if (m->err_fd >= 0)
            err_budget = pipes_budget(m, 1);
        if (m->child_done && !m->pty_done && !m->pipes)
            wake = min_u64(wake, m->quiet_deadline);
        if (m->linger_deadline)
            wake = min_u64(wake, m->linger_deadline);
        if (m->exited)
            wake = min_u64(wake, m->grace_deadline);
        if (m->pipes)
            pipes_ack_due(m, now, &wake);

        pfd[0].fd = m->sig_r;
        pfd[0].events = POLLIN;
        pfd[1].fd = m->listen_fd;
        pfd[1].events = POLLIN;
        pfd[2].fd = m->pty;
        pfd[2].events = (short)((budget ? POLLIN : 0) |
                                (!m->pipes && inq_pending(&m->inq, &pending) ? POLLOUT : 0));
        if (!pfd[2].events)
            pfd[2].fd = -1;
        pfd[3].fd = err_budget ? m->err_fd : -1; /* pipes: stderr and stdin */
        pfd[3].events = POLLIN;
        pfd[4].fd = m->pipes && inq_pending(&m->inq, &pending) ? m->in_fd : -1;
        pfd[4].events = POLLOUT;
        for (i = 0; i < m->nclients; i++) {
            struct client *c = m->clients[i];
            short ev = 0;
            if (c->state != CL_CLOSING && !c->rx_blocked && c->rx_len < HF_RX_CAP)
                ev |= POLLIN;
            if (mclient_wants_write(m, c) && c->wfd == c->fd)
                ev |= POLLOUT;
            pfd[MASTER_PFD_CLIENTS + i].fd = c->fd;
            pfd[MASTER_PFD_CLIENTS + i].events = ev;
        }
        nafwd = afwd_poll_fill(m, pfd + MASTER_PFD_CLIENTS + m->nclients, &wake);
        nlinger = linger_poll_fill(m, pfd + MASTER_PFD_CLIENTS + m->nclients + nafwd, &wake);
        push_pfd = pfd + MASTER_PFD_CLIENTS + m->nclients + nafwd + nlinger;
        npush = push_poll_fill(m, push_pfd);
        wpfd = push_pfd + npush;
        for (i = 0, nw = 0; i < m->nclients; i++) {
            struct client *c = m->clients[i];
            widx[i] = -1;
            if (c->wfd == c->fd)
                continue;
            widx[i] = nw;
            wpfd[nw].fd = c->wfd; /* events 0 still reports the reader gone (POLLERR) */
            wpfd[nw++].events = mclient_wants_write(m, c) ? POLLOUT : 0;
        }
        timeout = wake == UINT64_MAX ? -1
                  : wake <= now      ? 0
                  : (int)min_u64(wake - now, 60000);
        n = poll(pfd, (nfds_t)(MASTER_PFD_CLIENTS + m->nclients + nafwd + nlinger + npush + nw),
                 timeout);
        if (n < 0 && errno != EINTR)
            master_fail(m, "poll", errno);
        now = hf_now_ms();
        if (n != 0 && (n < 0 || pfd[0].revents))
            master_drain_signals(m, now);

        /* Input first: keystrokes and signals never wait behind output. */
        for (i = 0; n > 0 && i < m->nclients; i++) {
            struct client *c = m->clients[i];
            short re = pfd[MASTER_PFD_CLIENTS + i].revents;
            short wre = widx[i] >= 0 ? wpfd[widx[i]].revents : 0;
            int rc = 0;
            if (re & POLLIN)
                rc = mclient_on_readable(m, c);
            else if (re & (POLLHUP | POLLERR | POLLNVAL))
                rc = -1;
            if (wre & (POLLHUP | POLLERR | POLLNVAL))
                rc = -1; /* the client's channel closed its end of our stdout */
            if (rc < 0 || c->doomed)
                master_drop(m, i);
        }
        afwd_poll_done(m, pfd + MASTER_PFD_CLIENTS + m->nclients, nafwd, now);
        linger_poll_done(m, pfd + MASTER_PFD_CLIENTS + m->nclients + nafwd, n < 0 ? 0 : nlinger,
                         now);
        master_compact(m);
        master_write_input(m);
        if (m->pipes)
            pipes_ack_due(m, now, NULL); /* a full batch goes now, not after the poll */
        for (i = 0; i < m->nclients; i++) {
            struct client *c = m->clients[i];
            if (c->rx_blocked && mclient_process(m, c) < 0)
                master_drop(m, i);
        }
        master_compact(m);
        for (i = 0; i < m->nclients; i++) {
            if (m->clients[i]->redraw) {
                m->clients[i]->redraw = 0;
                pty_redraw(m);
            }
        }

        if (m->pipes) {
            if (budget > 0 && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)))
                pipes_read(m, 0, budget);
            if (err_budget > 0 && (pfd[3].revents & (POLLIN | POLLHUP | POLLERR)))
                pipes_read(m, 1, err_budget);
        } else if (m->pty >= 0 && budget > 0 &&
                   ((pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) ||
                    (m->child_done && now >= m->quiet_deadline))) {
            master_read_pty(m, budget, now);
        }
        master_check_exit(m, now);

        for (i = 0; i < m->nclients; i++) {
            struct client *c = m->clients[i];
            if (mclient_wants_write(m, c) || c->close_when_flushed) {
                if (mclient_flush(m, c) < 0 || c->doomed)
                    master_drop(m, i);
            }
        }
        master_compact(m);
        if (n > 0 && (pfd[1].revents & POLLIN))
            master_accept(m);
        if (n > 0)
            push_poll_done(m, push_pfd, npush);
    }
}

static void master_stdio_null(void)
{
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
}

static void master_unlink_socket(struct master *m)
{
    char sock[64];
    snprintf(sock, sizeof sock, "%s.sock", m->id);
    unlink(sock);
}

static char *master_command_text(const struct master_opts *o)
{
    struct hf_str s = { 0 };
    size_t i;
    if (!o->argv) {
        const char *sh = getenv("SHELL");
        str_adds(&s, sh && *sh ? sh : "(login shell)");
    }
    for (i = 0; o->argv && o->argv[i]; i++) {
        if (i)
            str_adds(&s, " ");
        str_adds(&s, o->argv[i]);
    }
    if (s.len > 4000)
        s.p[s.len = 4000] = '\0';
    for (i = 0; i < s.len; i++)
        if ((unsigned char)s.p[i] < 0x20)
            s.p[i] = '?'; /* one line in the metadata file */
    return s.p;
}

void master_main(const struct master_opts *o)
{
    struct master *m = calloc(1, sizeof *m);
    struct hf_meta meta;
    char err[1024];
    int rc;

    if (!m) {
        master_report(o->ready_fd, "error %s\n", "out of memory; free some memory and retry");
        _exit(1);
    }
    snprintf(m->id, sizeof m->id, "%s", o->id);
    snprintf(m->name, sizeof m->name, "%s", o->name ? o->name : "");
    m->command = master_command_text(o);
    hf_iso_time(time(NULL), m->created, sizeof m->created);
    m->pid = getpid();
    m->started_ms = hf_now_ms();
    m->cols = (uint16_t)o->cols;
    m->rows = (uint16_t)o->rows;
    m->pty = -1;
    m->slave = -1;
    m->in_fd = m->err_fd = -1;
    m->eof_slot = -1;
    m->pipes = o->pipes;
    m->orphan_grace_ms = (uint64_t)o->orphan_grace_s * 1000;
    m->hold_until = o->hold_s ? hf_now_ms() + (uint64_t)o->hold_s * 1000 : 0;
    if (o->pipes)
        m->inq.cap = HF_PIPES_INQ_CAP;
    master_stdio_null();
    master_signals(m);

    if (ring_init(&m->ring, o->scrollback) < 0 ||
        (o->pipes && ring_init(&m->err, o->scrollback) < 0)) {
        master_report(o->ready_fd, "error %s\n",
                      "cannot reserve the scrollback ring; use a smaller --scrollback");
        _exit(1);
    }
    m->listen_fd = master_listen(m->id, o->sessions, err, sizeof err);
    if (m->listen_fd < 0) {
        master_report(o->ready_fd, "error %s\n", err);
        _exit(1);
    }
    if (o->forward_agent && afwd_open(m, err, sizeof err) < 0) {
        master_unlink_socket(m);
        master_report(o->ready_fd, "error %s\n", err);
        _exit(1);
    }
    if ((o->pipes ? pipes_spawn(m, o, err, sizeof err) : pty_spawn(m, o, err, sizeof err)) < 0) {
        afwd_close(m);
        master_unlink_socket(m);
        master_report(o->ready_fd, "error %s\n", err);
        _exit(1);
    }
    memset(&meta, 0, sizeof meta);
    snprintf(meta.id, sizeof meta.id, "%s", m->id);
    snprintf(meta.name, sizeof meta.name, "%s", m->name);
    snprintf(meta.command, sizeof meta.command, "%s", m->command);
    snprintf(meta.created, sizeof meta.created, "%s", m->created);
    snprintf(meta.request, sizeof meta.request, "%s", o->request ? o->request : "");
    meta.pid = (long)m->pid;
    meta.child = (long)m->child;
    rc = meta_write(&meta);
    if (rc != 0) {
        if (hf_disk_full(rc))
            snprintf(err, sizeof err, "cannot start the session: " HF_DISK_FULL, o->sessions,
                     strerror(rc));
        else
            snprintf(err, sizeof err, "cannot write %s/%s.meta: %s; check that %s is writable",
                     o->sessions, m->id, strerror(rc), o->sessions);
        kill(-m->child, SIGKILL);
        afwd_close(m);
        master_unlink_socket(m);
        master_report(o->ready_fd, "error %s\n", err);
        _exit(1);
    }
    if (o->cwd_fd >= 0)
        close(o->cwd_fd);
    master_report(o->ready_fd, "ok %s\n", m->id);
    close(o->ready_fd);
    master_loop(m);
}
