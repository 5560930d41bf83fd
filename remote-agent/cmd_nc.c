/* cmd_nc.c - `nc HOST PORT`: connect to HOST:PORT and relay stdin/stdout with the socket.
 *
 * The far end of a forwarded connection: the client runs this on the server (today over an
 * exec channel; later inside a resumable pipes session), so the server, not sshd, makes
 * the TCP connection. HOST is a numeric IPv4/IPv6 address or a name (getaddrinfo, every
 * address tried in turn); PORT a number from 1 to 65535.
 *
 * Relay (relay.c): back-pressure passes through, end of stdin is a half-close, the
 * socket's end closes stdout; exits once both directions ended.
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
#include "relay.h"
#include "util.h"

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

static int nc_valid_port(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v >= 1 && v <= 65535;
}

int cmd_nc(int argc, char **argv)
{
    char what[600];
    int sock;
    if (argc != 2)
        hf_die("nc needs HOST and PORT; see: " HF_PROG " --help");
    if (!nc_valid_port(argv[1]))
        hf_die("nc: bad port '%s'; use a number from 1 to 65535", argv[1]);
    sock = nc_connect(argv[0], argv[1]);
    snprintf(what, sizeof what, "nc: connection to %.256s port %s", argv[0], argv[1]);
    return relay_run(sock, what) < 0 ? NC_RELAY : NC_OK;
}
