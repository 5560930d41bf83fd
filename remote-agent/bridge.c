/* bridge.c - `bridge ID`: relay stdin/stdout to the session's socket byte for byte.
 *
 * The client speaks the protocol through this over an SSH exec channel. Two bounded
 * buffers, one per direction; a side is read only while its buffer has room, so
 * back-pressure passes through unchanged. Ends when either side closes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "statedir.h"
#include "util.h"

#define BRIDGE_BUF 65536 /* per direction: large reads keep throughput */

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

/* read() into the buffer's free tail: >0, 0 EOF, -1 error, -2 would block. */
static ssize_t bridge_fill(int fd, struct pipe_buf *p)
{
    ssize_t n;
    if (p->off == p->len)
        p->off = p->len = 0;
    do
        n = read(fd, p->b + p->len, sizeof p->b - p->len);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        p->len += (size_t)n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return -2;
    return n;
}

/* write() from the buffer: 0 ok (maybe partial), -1 error. */
static int bridge_drain(int fd, struct pipe_buf *p)
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
    return 0;
}

static int bridge_loop(int sock)
{
    static struct pipe_buf up, down; /* stdin -> socket, socket -> stdout */
    int in_eof = 0, sock_eof = 0;
    for (;;) {
        struct pollfd p[3];
        p[0].fd = (!in_eof && up.len < sizeof up.b) ? 0 : -1;
        p[0].events = POLLIN;
        p[1].fd = sock;
        p[1].events = (short)((!sock_eof && down.len < sizeof down.b ? POLLIN : 0) |
                              (up.off < up.len ? POLLOUT : 0));
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
        if (p[0].revents) {
            ssize_t n = bridge_fill(0, &up);
            if (n == 0 || n == -1)
                in_eof = 1;
        }
        if (p[1].revents & POLLOUT || (up.off < up.len && p[1].revents & (POLLHUP | POLLERR))) {
            if (bridge_drain(sock, &up) < 0)
                return 0; /* session gone */
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR) && !sock_eof &&
            down.len < sizeof down.b) {
            ssize_t n = bridge_fill(sock, &down);
            if (n == 0 || n == -1)
                sock_eof = 1;
        }
        if (p[2].revents) {
            if (bridge_drain(1, &down) < 0)
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
    rc = bridge_loop(c.fd);
    bridge_restore();
    cli_close(&c);
    return rc;
}
