/* cmd_nc.c - `nc HOST PORT`: connect to HOST:PORT and relay stdin/stdout with the socket.
 *
 * The far end of a forwarded connection: the client runs this on the server (today over an
 * exec channel; later inside a resumable pipes session), so the server, not sshd, makes
 * the TCP connection. HOST is a numeric IPv4/IPv6 address or a name (getaddrinfo, every
 * address tried in turn); PORT a number from 1 to 65535.
 *
 * Relay: one bounded buffer per direction, a side read only while its buffer has room,
 * so back-pressure passes through. End of stdin is passed on as a half-close
 * (shutdown(SHUT_WR)); the socket's end closes stdout. Exits once both directions ended.
 *
 * Exit status says why, so the client can tell the user without parsing a message:
 *   0  relayed until both sides ended
 *   1  bad command line
 *   3  HOST did not resolve
 *   4  connection refused (nothing listens on HOST:PORT)
 *   5  network or host unreachable
 *   6  connect timed out
 *   7  any other connect failure
 *   8  the relay failed after connecting (a reset, a write error) */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd.h"
#include "util.h"

#define NC_BUF (128 * 1024)       /* per direction: large reads keep throughput */
#define NC_CONNECT_MS 20000       /* per address: a black-holed target is reported, not awaited */

enum nc_exit {
    NC_OK = 0,
    NC_RESOLVE = 3,
    NC_REFUSED = 4,
    NC_UNREACHABLE = 5,
    NC_TIMEOUT = 6,
    NC_CONNECT = 7,
    NC_RELAY = 8
};

struct nc_buf {
    unsigned char b[NC_BUF];
    size_t off, len;
    int eof; /* the reading side ended; pass the end on once the buffer is empty */
};

static int nc_exit_of(int err)
{
    switch (err) {
    case ECONNREFUSED:
        return NC_REFUSED;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
        return NC_UNREACHABLE;
    case ETIMEDOUT:
        return NC_TIMEOUT;
    default:
        return NC_CONNECT;
    }
}

static const char *nc_hint(int code)
{
    switch (code) {
    case NC_REFUSED:
        return "is anything listening there?";
    case NC_UNREACHABLE:
        return "check the address and the server's routes";
    case NC_TIMEOUT:
        return "a firewall may be dropping the connection";
    default:
        return "check the address and port";
    }
}

/* Non-blocking connect bounded by NC_CONNECT_MS: the socket, or -1 with errno set. */
static int nc_connect_one(const struct addrinfo *ai)
{
    struct pollfd p;
    int fd, r, err = 0;
    socklen_t len = sizeof err;
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0)
        return -1;
    hf_set_cloexec(fd);
    hf_set_nonblock(fd, 1);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    p.fd = fd;
    p.events = POLLOUT;
    do
        r = poll(&p, 1, NC_CONNECT_MS);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        err = ETIMEDOUT;
    else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err == 0)
        return fd;
    close(fd);
    errno = err;
    return -1;
}

/* Tries every address of HOST:PORT; exits with the status of the last failure. */
static int nc_connect(const char *host, const char *port)
{
    struct addrinfo hints, *res, *ai;
    int r, fd = -1, err = ECONNREFUSED;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    r = getaddrinfo(host, port, &hints, &res);
    if (r != 0) {
        hf_warn("nc: cannot resolve '%s': %s; check the host name", host, gai_strerror(r));
        exit(NC_RESOLVE);
    }
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = nc_connect_one(ai);
        if (fd < 0)
            err = errno;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        int code = nc_exit_of(err);
        hf_warn("nc: cannot connect to %s port %s: %s; %s", host, port, strerror(err),
                nc_hint(code));
        exit(code);
    }
    return fd;
}

/* read() into b's free space: >0, 0 at EOF, -1 error, -2 would block. */
static ssize_t nc_fill(int fd, struct nc_buf *b)
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
static int nc_drain(int fd, struct nc_buf *b)
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

static int nc_valid_port(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v >= 1 && v <= 65535;
}

/* One direction: `in` → buffer → `out`. Returns -1 on a relay error. `done` once the
 * end was passed on (half-close for a socket, close for stdout). */
struct nc_dir {
    int in, out;
    int out_is_sock;
    int done;
    struct nc_buf buf;
};

static int nc_step(struct nc_dir *d, short in_ev, short out_ev)
{
    if (d->done)
        return 0;
    if ((in_ev & (POLLIN | POLLHUP | POLLERR)) && !d->buf.eof && d->buf.len < sizeof d->buf.b) {
        ssize_t n = nc_fill(d->in, &d->buf);
        if (n == 0)
            d->buf.eof = 1;
        else if (n == -1)
            return -1;
    }
    if ((out_ev & (POLLOUT | POLLERR | POLLHUP)) || d->buf.len > d->buf.off) {
        if (nc_drain(d->out, &d->buf) < 0)
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

static struct nc_dir g_up, g_down; /* stdin → socket, socket → stdout (static: 256 KiB) */

int cmd_nc(int argc, char **argv)
{
    int sock;
    if (argc != 2)
        hf_die("nc needs HOST and PORT; see: " HF_PROG " --help");
    if (!nc_valid_port(argv[1]))
        hf_die("nc: bad port '%s'; use a number from 1 to 65535", argv[1]);
    sock = nc_connect(argv[0], argv[1]);
    hf_set_nonblock(0, 1);
    hf_set_nonblock(1, 1);
    g_up.in = 0;
    g_up.out = sock;
    g_up.out_is_sock = 1;
    g_down.in = sock;
    g_down.out = 1;
    while (!g_up.done || !g_down.done) {
        struct pollfd p[3];
        int r;
        /* [0] stdin, [1] socket, [2] stdout; fd -1 is ignored by poll */
        p[0].fd = !g_up.done && !g_up.buf.eof && g_up.buf.len < NC_BUF ? 0 : -1;
        p[0].events = POLLIN;
        p[1].fd = sock;
        p[1].events = (short)((!g_down.done && !g_down.buf.eof && g_down.buf.len < NC_BUF ? POLLIN : 0) |
                              (g_up.buf.len > g_up.buf.off ? POLLOUT : 0));
        if (p[1].events == 0)
            p[1].fd = -1; /* nothing wanted: do not spin on its hang-up */
        p[2].fd = !g_down.done && g_down.buf.len > g_down.buf.off ? 1 : -1;
        p[2].events = POLLOUT;
        p[0].revents = p[1].revents = p[2].revents = 0;
        do
            r = poll(p, 3, -1);
        while (r < 0 && errno == EINTR);
        if (r < 0)
            return NC_RELAY;
        if (nc_step(&g_up, p[0].revents, p[1].revents) < 0 ||
            nc_step(&g_down, p[1].revents, p[2].revents) < 0) {
            /* a reset or a vanished reader: say so once, with the cause */
            hf_warn("nc: connection to %s port %s broke: %s", argv[0], argv[1], strerror(errno));
            return NC_RELAY;
        }
        /* the reader of stdout is gone: nothing more can be delivered */
        if (!g_down.done && (p[2].revents & POLLERR))
            return NC_RELAY;
    }
    close(sock);
    return NC_OK;
}
