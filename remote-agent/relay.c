/* relay.c - stdin/stdout <-> a connected socket, both ways, for `nc` and `take`.
 *
 * One bounded buffer per direction, a side read only while its buffer has room, so
 * back-pressure passes through. End of stdin is passed on as a half-close
 * (shutdown(SHUT_WR)); the socket's end closes stdout. Done once both directions ended. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay.h"
#include "util.h"

#define RELAY_BUF (128 * 1024) /* per direction: large reads keep throughput */

struct relay_buf {
    unsigned char b[RELAY_BUF];
    size_t off, len;
    int eof; /* the reading side ended; pass the end on once the buffer is empty */
};

/* read() into b's free space: >0, 0 at EOF, -1 error, -2 would block. */
static ssize_t relay_fill(int fd, struct relay_buf *b)
{
    ssize_t n;
    if (b->off == b->len)
        b->off = b->len = 0;
    do
        n = read(fd, b->b + b->len, sizeof b->b - b->len);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        b->len += (size_t)n;
    else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return -2;
    return n;
}

/* write() what b holds: 0 done or would block, -1 error. */
static int relay_drain(int fd, struct relay_buf *b)
{
    while (b->off < b->len) {
        ssize_t n = write(fd, b->b + b->off, b->len - b->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
        b->off += (size_t)n;
    }
    b->off = b->len = 0; /* all out: the whole buffer is free again */
    return 0;
}

/* One direction: `in` → buffer → `out`. Returns -1 on a relay error. `done` once the
 * end was passed on (half-close for a socket, close for stdout). */
struct relay_dir {
    int in, out;
    int out_is_sock;
    int done;
    uint64_t moved; /* bytes written to `out` */
    struct relay_buf buf;
};

static int relay_step(struct relay_dir *d, short in_ev, short out_ev)
{
    if (d->done)
        return 0;
    if ((in_ev & (POLLIN | POLLHUP | POLLERR)) && !d->buf.eof && d->buf.len < sizeof d->buf.b) {
        ssize_t n = relay_fill(d->in, &d->buf);
        if (n == 0)
            d->buf.eof = 1;
        else if (n == -1)
            return -1;
    }
    if ((out_ev & (POLLOUT | POLLERR | POLLHUP)) || d->buf.len > d->buf.off) {
        size_t before = d->buf.len - d->buf.off;
        int r = relay_drain(d->out, &d->buf);
        d->moved += before - (d->buf.len - d->buf.off);
        if (r < 0)
            return -1;
    }
    if (d->buf.eof && d->buf.off == d->buf.len) {
        if (d->out_is_sock)
            shutdown(d->out, SHUT_WR);
        else
            close(d->out);
        d->done = 1;
    }
    return 0;
}

static struct relay_dir r_up, r_down; /* stdin → socket, socket → stdout (static: 256 KiB) */

int relay_run(int sock, const char *what)
{
    int said_end = 0;
    hf_set_nonblock(0, 1);
    hf_set_nonblock(1, 1);
    hf_set_nonblock(sock, 1);
    r_up.in = 0;
    r_up.out = sock;
    r_up.out_is_sock = 1;
    r_down.in = sock;
    r_down.out = 1;
    while (!r_up.done || !r_down.done) {
        struct pollfd p[3];
        int r;
        /* [0] stdin, [1] socket, [2] stdout; fd -1 is ignored by poll */
        p[0].fd = !r_up.done && !r_up.buf.eof && r_up.buf.len < RELAY_BUF ? 0 : -1;
        p[0].events = POLLIN;
        p[1].fd = sock;
        p[1].events = (short)((!r_down.done && !r_down.buf.eof && r_down.buf.len < RELAY_BUF ? POLLIN : 0) |
                              (r_up.buf.len > r_up.buf.off ? POLLOUT : 0));
        if (p[1].events == 0)
            p[1].fd = -1; /* nothing wanted: do not spin on its hang-up */
        p[2].fd = !r_down.done && r_down.buf.len > r_down.buf.off ? 1 : -1;
        p[2].events = POLLOUT;
        p[0].revents = p[1].revents = p[2].revents = 0;
        do
            r = poll(p, 3, -1);
        while (r < 0 && errno == EINTR);
        if (r < 0)
            return -1;
        if (relay_step(&r_up, p[0].revents, p[1].revents) < 0 ||
            relay_step(&r_down, p[1].revents, p[2].revents) < 0) {
            /* a reset or a vanished reader: say so once, with the cause */
            hf_warn("%s broke: %s", what, strerror(errno));
            return -1;
        }
        /* the reader of stdout is gone: nothing more can be delivered */
        if (!r_down.done && (p[2].revents & POLLERR))
            return -1;
        if (r_down.done && !said_end) {
            /* A session's client learns of stdout's end only with the exit; this line lets
             * it pass the socket's end on now (a half-close), stdin staying open. */
            fprintf(stderr, HF_PROG ": " RELAY_END_MARK " %llu\n", (unsigned long long)r_down.moved);
            fflush(stderr);
            said_end = 1;
        }
    }
    close(sock);
    return 0;
}
