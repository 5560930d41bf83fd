/* bridge.c - `bridge ID`: relay stdin/stdout to the session's socket byte for byte.
 *
 * The client speaks the protocol through this over an SSH exec channel. Two bounded
 * buffers, one per direction; a side is read only while its buffer has room, so
 * back-pressure passes through unchanged. Ends when either side closes, once what the
 * session sent before it closed is delivered. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "opts.h"
#include "statedir.h"
#include "util.h"

#define BRIDGE_BUF (256 * 1024) /* per direction: large reads keep throughput */
#define BRIDGE_ROUNDS 16        /* read/write rounds per poll() and direction */

struct pipe_buf {
    unsigned char b[BRIDGE_BUF];
    size_t off, len;
};

static int g_flags_in = -1, g_flags_out = -1;

static void bridge_restore(void)
{
    if (g_flags_in >= 0)
        fcntl(0, F_SETFL, g_flags_in);
    if (g_flags_out >= 0)
        fcntl(1, F_SETFL, g_flags_out);
}

/* Whether p can take more: bytes already written out count as free. */
static int bridge_room(const struct pipe_buf *p)
{
    return p->len - p->off < sizeof p->b;
}

/* read() into the buffer's free tail: >0, 0 EOF, -1 error, -2 would block. A full tail
 * behind written-out bytes is moved to the front first, so while the writer is blocked
 * the whole buffer still holds unsent bytes (not only what is past the last write). */
static ssize_t bridge_fill(int fd, struct pipe_buf *p)
{
    ssize_t n;
    if (p->off == p->len) {
        p->off = p->len = 0;
    } else if (p->len == sizeof p->b) {
        memmove(p->b, p->b + p->off, p->len - p->off);
        p->len -= p->off;
        p->off = 0;
    }
    do
        n = read(fd, p->b + p->len, sizeof p->b - p->len);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        p->len += (size_t)n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return -2;
    return n;
}

/* write() from the buffer: bytes written (0 on EAGAIN), -1 error. */
static ssize_t bridge_drain(int fd, struct pipe_buf *p)
{
    ssize_t n;
    do
        n = write(fd, p->b + p->off, p->len - p->off);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    p->off += (size_t)n;
    if (p->off == p->len)
        p->off = p->len = 0; /* drained: the whole buffer is free again */
    return n;
}

/* Moves bytes from `from` to `to` through p until neither side makes progress (or
 * BRIDGE_ROUNDS rounds): one poll() then serves many reads and writes, instead of one
 * read per poll() and the write only after the next. Returns -1 when `to` failed. */
static int bridge_pump(int from, int to, struct pipe_buf *p, int *eof)
{
    int round;
    for (round = 0; round < BRIDGE_ROUNDS; round++) {
        int progress = 0;
        if (!*eof && bridge_room(p)) {
            ssize_t n = bridge_fill(from, p);
            if (n > 0)
                progress = 1;
            else if (n == 0 || n == -1)
                *eof = 1;
        }
        if (p->off < p->len) {
            ssize_t n = bridge_drain(to, p);
            if (n < 0)
                return -1;
            if (n > 0)
                progress = 1;
        }
        if (!progress)
            break;
    }
    return 0;
}

static int bridge_loop(int sock)
{
    static struct pipe_buf up, down; /* stdin -> socket, socket -> stdout */
    int in_eof = 0, sock_eof = 0, sock_broken = 0;
    for (;;) {
        struct pollfd p[3];
        p[0].fd = (!in_eof && !sock_broken && bridge_room(&up)) ? 0 : -1;
        p[0].events = POLLIN;
        p[1].events = (short)((!sock_eof && bridge_room(&down) ? POLLIN : 0) |
                              (up.off < up.len ? POLLOUT : 0));
        /* Only while we could act on it: a hung-up socket reports POLLHUP whatever we ask,
         * and with stdout full nothing can be done about it but spin. */
        p[1].fd = p[1].events ? sock : -1;
        p[2].fd = down.off < down.len ? 1 : -1;
        p[2].events = POLLOUT;
        if (in_eof && up.off == up.len)
            return 0; /* the client side closed and everything it sent is delivered */
        if (sock_eof && down.off == down.len)
            return 0; /* the session closed and everything it sent is delivered */
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        /* Client to session first: input never waits behind output. */
        if (!sock_broken && (p[0].revents || (p[1].revents & (POLLOUT | POLLHUP | POLLERR)))) {
            if (bridge_pump(0, sock, &up, &in_eof) < 0) {
                /* The session hung up; what it sent before may still be unread: deliver
                 * that, and drop the client's bytes that can no longer go anywhere. */
                sock_broken = 1;
                up.off = up.len = 0;
            }
        }
        if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) || p[2].revents) {
            if (bridge_pump(sock, 1, &down, &sock_eof) < 0)
                return 0; /* the client side is gone */
        }
    }
}

int cmd_bridge(int argc, char **argv)
{
    struct hf_state st;
    struct cli_conn c;
    char id[HF_ID_MAX + 1], err[512];
    int i, rc;
    const char *arg = NULL;

    for (i = 0; i < argc; i++) {
        if (argv[i][0] == '-' || arg)
            opt_unknown("bridge", argv[i]);
        arg = argv[i];
    }
    if (!arg)
        hf_die("bridge needs a session id; e.g. " HF_PROG " bridge ID (see: " HF_PROG " ls)");
    statedir_enter(&st);
    statedir_resolve(arg, id);
    if (cli_open(&c, id, err, sizeof err) < 0)
        hf_die("%s", err);
    signal(SIGPIPE, SIG_IGN);
    hf_set_nonblock(c.fd, 1);
    g_flags_in = fcntl(0, F_GETFL);
    g_flags_out = fcntl(1, F_GETFL);
    hf_set_nonblock(0, 1);
    hf_set_nonblock(1, 1);
    hf_grow_pipe(1, BRIDGE_BUF); /* stdout holds a few OUTPUT frames per wakeup */
    /* and stdin as many SSH packets: at the default 64 KiB sshd waited for us every two
     * (100 MB up through `cat` took 540 ms, 480 with this; ssh itself 390) */
    hf_grow_pipe(0, BRIDGE_BUF);
    rc = bridge_loop(c.fd);
    bridge_restore();
    cli_close(&c);
    return rc;
}
