/* authfwd.c - agent forwarding in the master: the session's agent socket and the programs
 * connected to it (see authfwd.h). The request table is agentrelay.c; this file is I/O. */
#if defined(__linux__)
#define _GNU_SOURCE /* struct ucred for SO_PEERCRED: who connected to the agent socket */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agentrelay.h"
#include "authfwd.h"
#include "codec.h"
#include "master.h"
#include "statedir.h"

#define AF_BUF_CAP (HF_AGENT_LEN_BYTES + HF_AGENT_MAX_MSG) /* one whole agent message */

/* One program (ssh, ssh-add, git) connected to the session's agent socket. It asks one
 * message at a time, as the agent protocol goes: while its request waits, nothing more
 * is read from it. */
struct afwd_conn {
    int fd;          /* -1: slot free */
    uint8_t *buf;    /* what it sent, not yet a whole message; or the reply being written */
    size_t len;      /* bytes in buf */
    size_t off;      /* writing: bytes of the reply already written */
    int writing;     /* buf holds a reply */
};

struct afwd {
    int listen_fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* SSH_AUTH_SOCK, absolute */
    struct afwd_conn conn[HF_AGENT_MAX_CONNS];
    struct arelay relay;
    uint64_t ready_seq; /* the order in which clients said AGENT_READY */
};

static void af_names(const char *id, char *dir, char *sock, size_t cap)
{
    snprintf(dir, cap, "%s.agent", id);
    snprintf(sock, cap, "%s.agent/sock", id);
}

void afwd_remove_files(const char *id)
{
    char dir[64], sock[64];
    af_names(id, dir, sock, sizeof dir);
    unlink(sock);
    rmdir(dir);
}

/* The directory holding the socket: made 0700 by us, and checked like the state
 * directory (ours, 0700, a directory) whether we made it or found it. */
static int af_make_dir(const char *dir, char *err, size_t cap)
{
    char *problem;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, cap, "cannot create the agent socket directory %s: %s; check the "
                 "sessions directory", dir, strerror(errno));
        return -1;
    }
    problem = statedir_problem(dir);
    if (problem) {
        snprintf(err, cap, "agent forwarding: %s", problem);
        free(problem);
        return -1;
    }
    return 0;
}

static int af_listen(struct afwd *a, const char *sock, char *err, size_t cap)
{
    struct sockaddr_un sa;
    a->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (a->listen_fd < 0) {
        snprintf(err, cap, "cannot create the agent socket: %s", strerror(errno));
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    unlink(sock); /* a leftover of a master that died with this id */
    if (bind(a->listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(a->listen_fd, 16) < 0) {
        snprintf(err, cap, "cannot listen on the agent socket %s: %s", a->path, strerror(errno));
        close(a->listen_fd);
        return -1;
    }
    chmod(sock, 0600);
    hf_set_nonblock(a->listen_fd, 1);
    hf_set_cloexec(a->listen_fd);
    return 0;
}

int afwd_open(struct master *m, char *err, size_t cap)
{
    struct afwd *a = calloc(1, sizeof *a);
    char dir[64], sock[64], cwd[4096];
    int i;
    if (!a) {
        snprintf(err, cap, "out of memory for agent forwarding; free some memory and retry");
        return -1;
    }
    af_names(m->id, dir, sock, sizeof dir);
    /* Programs reach the socket by its absolute path, which a Unix socket bounds. */
    if (!getcwd(cwd, sizeof cwd) ||
        (size_t)snprintf(a->path, sizeof a->path, "%s/%s", cwd, sock) >= sizeof a->path) {
        snprintf(err, cap, "agent forwarding: the socket path under %s is longer than a Unix "
                 "socket allows (%lu bytes); set HoldfastDir to a shorter directory, or start "
                 "without agent forwarding", cwd, (unsigned long)sizeof a->path - 1);
        free(a);
        return -1;
    }
    if (af_make_dir(dir, err, cap) < 0 || af_listen(a, sock, err, cap) < 0) {
        rmdir(dir);
        free(a);
        return -1;
    }
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        a->conn[i].fd = -1;
    arelay_init(&a->relay);
    setenv("SSH_AUTH_SOCK", a->path, 1); /* the command inherits it */
    m->afwd = a;
    return 0;
}

static void af_drop_conn(struct afwd *a, int i)
{
    struct afwd_conn *k = &a->conn[i];
    arelay_cancel(&a->relay, i);
    close(k->fd);
    free(k->buf);
    memset(k, 0, sizeof *k);
    k->fd = -1;
}

void afwd_close(struct master *m)
{
    struct afwd *a = m->afwd;
    int i;
    if (!a)
        return;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        if (a->conn[i].fd >= 0)
            af_drop_conn(a, i);
    arelay_free(&a->relay);
    close(a->listen_fd);
    afwd_remove_files(m->id);
    free(a);
    m->afwd = NULL;
}

/* Puts `len` bytes of reply (an agent message body) in connection i's buffer to write. */
static void af_answer(struct afwd *a, int i, const uint8_t *body, size_t len)
{
    struct afwd_conn *k = &a->conn[i];
    arelay_put_len(k->buf, len);
    memcpy(k->buf + HF_AGENT_LEN_BYTES, body, len);
    k->len = HF_AGENT_LEN_BYTES + len;
    k->off = 0;
    k->writing = 1;
}

static void af_answer_failure(struct afwd *a, int i)
{
    static const uint8_t failure[] = { HF_SSH_AGENT_FAILURE };
    af_answer(a, i, failure, sizeof failure);
}

/* A whole message read from connection i goes to the relay; a bad length drops it. */
static int af_take_message(struct afwd *a, int i, uint64_t now)
{
    struct afwd_conn *k = &a->conn[i];
    size_t need;
    long whole = arelay_message_len(k->buf, k->len, &need);
    if (whole < 0)
        return -1; /* length 0 or above the bound: not a peer we can follow */
    if (whole == 0)
        return 0;
    if (arelay_submit(&a->relay, i, k->buf + HF_AGENT_LEN_BYTES,
                      (size_t)whole - HF_AGENT_LEN_BYTES, now) < 0) {
        af_answer_failure(a, i);
        return 0;
    }
    k->len = 0; /* one request at a time: the program waits for its answer */
    return 0;
}

static int af_read(struct afwd *a, int i, uint64_t now)
{
    struct afwd_conn *k = &a->conn[i];
    size_t need;
    ssize_t n;
    /* Exactly up to the end of this message: whatever the program sends next waits in
     * the socket until this one is answered. */
    if (arelay_message_len(k->buf, k->len, &need) < 0)
        return -1;
    n = read(k->fd, k->buf + k->len, (need ? need : HF_AGENT_LEN_BYTES) - k->len);
    if (n == 0)
        return -1;
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    k->len += (size_t)n;
    return af_take_message(a, i, now);
}

static int af_write(struct afwd *a, int i)
{
    struct afwd_conn *k = &a->conn[i];
    ssize_t n = write(k->fd, k->buf + k->off, k->len - k->off);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    k->off += (size_t)n;
    if (k->off == k->len)
        k->len = k->off = 0, k->writing = 0;
    return 0;
}

/* Whether the program that connected runs as us (or root), as ssh-agent checks: the 0700
 * directory already keeps others out, this holds if its mode is ever loosened. Where the
 * OS does not say (SO_PEERCRED is Linux's), the directory alone decides. */
static int af_peer_allowed(int fd)
{
#if defined(__linux__) && defined(SO_PEERCRED)
    struct ucred cr;
    socklen_t n = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) < 0)
        return 0;
    return cr.uid == geteuid() || cr.uid == 0;
#else
    (void)fd;
    return 1;
#endif
}

static void af_accept(struct afwd *a)
{
    int fd = accept(a->listen_fd, NULL, NULL), i;
    if (fd < 0)
        return;
    if (!af_peer_allowed(fd)) {
        close(fd); /* another account: it never reaches the forwarded agent */
        return;
    }
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++) {
        struct afwd_conn *k = &a->conn[i];
        if (k->fd >= 0)
            continue;
        k->buf = malloc(AF_BUF_CAP);
        if (!k->buf)
            break;
        k->fd = fd;
        hf_set_nonblock(fd, 1);
        hf_set_cloexec(fd);
        return;
    }
    close(fd); /* too many programs at once: this one sees the agent hang up */
}

int afwd_poll_fill(struct master *m, struct pollfd *pfd, uint64_t *wake)
{
    struct afwd *a = m->afwd;
    uint64_t at;
    int i;
    if (!a)
        return 0;
    pfd[0].fd = a->listen_fd;
    pfd[0].events = POLLIN;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++) {
        struct afwd_conn *k = &a->conn[i];
        pfd[1 + i].fd = k->fd;
        pfd[1 + i].events = (short)(k->writing                     ? POLLOUT
                                    : arelay_waiting(&a->relay, i) ? 0
                                                                   : POLLIN);
    }
    at = arelay_next_deadline(&a->relay);
    if (at < *wake)
        *wake = at;
    return 1 + HF_AGENT_MAX_CONNS;
}

void afwd_poll_done(struct master *m, const struct pollfd *pfd, int n, uint64_t now)
{
    struct afwd *a = m->afwd;
    int i, k;
    if (!a || n == 0)
        return;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++) {
        short re = pfd[1 + i].revents;
        int rc = 0;
        if (a->conn[i].fd < 0 || !re)
            continue;
        if (re & POLLOUT)
            rc = af_write(a, i);
        else if (re & POLLIN)
            rc = af_read(a, i, now);
        else if (re & (POLLHUP | POLLERR | POLLNVAL))
            rc = -1;
        if (rc < 0)
            af_drop_conn(a, i);
    }
    while ((k = arelay_expire(&a->relay, now)) >= 0)
        if (a->conn[k].fd >= 0)
            af_answer_failure(a, k); /* no client came back in time: fail, never hang */
    if (pfd[0].revents & POLLIN)
        af_accept(a);
}

void afwd_client_ready(struct master *m, struct client *c)
{
    if (!m->afwd) {
        /* Started without forwarding: nobody here will ask; the client tells its user. */
        static const uint8_t none[HF_HEADER_LEN] = { MSG_AGENT_NONE, 0, 0, 0, 0 };
        mclient_queue(m, c, none, sizeof none, c->next);
        return;
    }
    c->agent_ready = ++m->afwd->ready_seq;
    arelay_carrier_ready(&m->afwd->relay, c->serial);
}

void afwd_client_reply(struct master *m, const struct hf_msg *in)
{
    int k;
    if (!m->afwd)
        return;
    k = arelay_reply(&m->afwd->relay, in->request_id);
    if (k >= 0 && m->afwd->conn[k].fd >= 0)
        af_answer(m->afwd, k, in->data, in->data_len);
}

/* The client carrying requests is gone: the one that said AGENT_READY most recently of
 * those still here takes over (another tab of the same user, say). */
void afwd_client_gone(struct master *m, struct client *c)
{
    struct client *next = NULL;
    int i;
    if (!m->afwd || !c->agent_ready)
        return;
    arelay_carrier_gone(&m->afwd->relay, c->serial);
    if (m->afwd->relay.carrier)
        return;
    for (i = 0; i < m->nclients; i++) {
        struct client *o = m->clients[i];
        if (o && o != c && o->agent_ready && (!next || o->agent_ready > next->agent_ready))
            next = o;
    }
    if (next)
        arelay_carrier_ready(&m->afwd->relay, next->serial);
}

int afwd_has_frame(const struct master *m, const struct client *c)
{
    return m->afwd && c->agent_ready && arelay_has_send(&m->afwd->relay, c->serial);
}

size_t afwd_next_frame(struct master *m, struct client *c, uint8_t *out, size_t cap)
{
    const struct arelay_req *q;
    struct hf_msg msg;
    if (!afwd_has_frame(m, c) || !(q = arelay_next_send(&m->afwd->relay, c->serial)))
        return 0;
    memset(&msg, 0, sizeof msg);
    msg.type = MSG_AGENT_REQUEST;
    msg.request_id = q->id;
    msg.data = q->msg;
    msg.data_len = q->len;
    return codec_encode(&msg, out, cap);
}
