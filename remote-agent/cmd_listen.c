/* cmd_listen.c - `listen` and `take`: the server's end of a resumable remote forward (-R).
 *
 * `listen [--bind ADDR] PORT TOKEN` listens on ADDR:PORT (default: loopback, where sshd
 * binds a remote forward without GatewayPorts) and runs as a pipes session of the
 * client's. Its stdout is the announcement stream, offset-addressed and acknowledged like
 * any session's, so what it says while the link is down arrives after the heal, once:
 *     listening PORT          every address is bound (PORT: the real one, also for 0)
 *     conn N ADDR PORT        connection N arrived from ADDR:PORT
 * Each connection is held open (its first bytes wait in the kernel) until the client runs
 * `take TOKEN N` in a pipes session of its own: `take` gets the socket over the control
 * socket TOKEN.listen (in the 0700 sessions directory, SCM_RIGHTS) and relays it with its
 * stdin/stdout (relay.c), so from then on the connection resumes like a -L one. A
 * connection nobody takes within LISTEN_HOLD_MS is closed. End of stdin (the client ended
 * the forward), TERM or HUP: the listener and the connections it holds close.
 *
 * Exit status of `listen`: 0 ended by its client; 1 bad command line; 9 the port is in
 * use; 10 permission denied (a port below 1024); 11 any other listen failure.
 * `take`: 0 relayed to the end; 3 no such listener or connection; 8 the relay broke. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd.h"
#include "relay.h"
#include "statedir.h"
#include "util.h"

#define LISTEN_ADDRS_MAX 4     /* addresses bound: loopback's two, or what a name resolves to */
#define LISTEN_HELD_MAX 256    /* connections waiting to be taken; more are closed at once */
#define LISTEN_HOLD_MS 30000   /* as long as the client holds a -L connection for a link that
                                  is down (LINK_WAIT_MS): a client gone longer answers no one */
#define LISTEN_CTL_MS 2000     /* a `take` says which connection at once; a silent one is dropped */
#define LISTEN_TOKEN_MIN 8
#define LISTEN_TOKEN_MAX 64

enum { LISTEN_INUSE = 9, LISTEN_DENIED = 10, LISTEN_FAILED = 11, TAKE_NONE = 3, TAKE_RELAY = 8 };

struct held {
    unsigned long n;
    int fd;
    uint64_t until;
};

static char g_ctl[LISTEN_TOKEN_MAX + 8]; /* TOKEN.listen, relative to the sessions dir */

static void listen_check_token(const char *t)
{
    size_t n = strlen(t);
    if (n < LISTEN_TOKEN_MIN || n > LISTEN_TOKEN_MAX ||
        strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != n)
        hf_die("the token must be %d to %d letters, digits, '-' or '_'; the client picks a "
               "random one", LISTEN_TOKEN_MIN, LISTEN_TOKEN_MAX);
}

static void listen_on_signal(int sig)
{
    (void)sig;
    unlink(g_ctl); /* async-signal-safe: the control socket goes with us */
    _exit(0);
}

static int listen_exit_of(int err)
{
    return err == EADDRINUSE ? LISTEN_INUSE : err == EACCES ? LISTEN_DENIED : LISTEN_FAILED;
}

/* Binds every address of ADDR:PORT; the first one's port serves the rest (PORT 0). */
static int listen_bind(const char *addr, const char *port, int *fds, unsigned *real)
{
    struct addrinfo hints, *res, *ai;
    char p[16];
    int n = 0, r, one = 1;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    r = getaddrinfo(strcmp(addr, "*") == 0 ? NULL : addr, port, &hints, &res);
    if (r != 0)
        hf_die("listen: cannot resolve '%s': %s; use an address of this server", addr,
               gai_strerror(r));
    snprintf(p, sizeof p, "%s", port);
    for (ai = res; ai && n < LISTEN_ADDRS_MAX; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        if (fd < 0)
            continue;
        hf_set_cloexec(fd);
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6) /* v4 and v6 are bound apart, as sshd does */
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (*real && ai->ai_family == AF_INET6) /* the port the first address got */
            ((struct sockaddr_in6 *)ai->ai_addr)->sin6_port = htons((uint16_t)*real);
        else if (*real)
            ((struct sockaddr_in *)ai->ai_addr)->sin_port = htons((uint16_t)*real);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
            int err = errno;
            close(fd);
            if (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)
                continue; /* no such address family here (no ::1): the others serve */
            hf_warn("listen: cannot listen on %s port %s: %s; %s", addr, p, strerror(err),
                    err == EADDRINUSE ? "pick another port"
                    : err == EACCES   ? "ports below 1024 need privileges"
                                      : "check the address");
            exit(listen_exit_of(err));
        }
        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
            *real = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
        hf_set_nonblock(fd, 1);
        fds[n++] = fd;
    }
    freeaddrinfo(res);
    if (n == 0) {
        hf_warn("listen: no address of '%s' could be bound; check the address", addr);
        exit(LISTEN_FAILED);
    }
    return n;
}

static int listen_ctl_open(void)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        hf_die("listen: cannot create a socket: %s", strerror(errno));
    hf_set_cloexec(fd);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", g_ctl);
    unlink(g_ctl); /* a crashed listener's: tokens are random, never shared */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0)
        hf_die("listen: cannot create %s: %s", g_ctl, strerror(errno));
    return fd;
}

/* Takes a connection and announces it; one over LISTEN_HELD_MAX is closed. */
static void listen_accept(int lfd, struct held *h, int *nh, unsigned long *next, uint64_t now)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    int fd = accept(lfd, (struct sockaddr *)&ss, &len);
    if (fd < 0)
        return;
    hf_set_cloexec(fd);
    if (*nh >= LISTEN_HELD_MAX) {
        close(fd);
        return;
    }
    if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(host, sizeof host, "?");
        snprintf(serv, sizeof serv, "0");
    }
    h[*nh].n = ++*next;
    h[*nh].fd = fd;
    h[*nh].until = now + LISTEN_HOLD_MS;
    ++*nh;
    printf("conn %lu %s %s\n", *next, host, serv);
    fflush(stdout);
}

static void listen_forget(struct held *h, int *nh, int i)
{
    h[i] = h[--*nh];
}

/* SCM_RIGHTS: the socket, with "ok\n". */
static int listen_send_fd(int c, int fd)
{
    return hf_send_fds(c, "ok\n", 3, &fd, 1);
}

/* A `take` asks for connection N ("N\n"): it gets the socket, or a reason. */
static void listen_serve_take(int ctl, struct held *h, int *nh)
{
    struct timeval tv = { LISTEN_CTL_MS / 1000, (LISTEN_CTL_MS % 1000) * 1000 };
    char line[32];
    unsigned long n;
    ssize_t got;
    int c = accept(ctl, NULL, NULL), i;
    if (c < 0)
        return;
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    got = read(c, line, sizeof line - 1);
    line[got > 0 ? got : 0] = '\0';
    n = strtoul(line, NULL, 10);
    for (i = 0; i < *nh; i++) {
        if (h[i].n != n)
            continue;
        if (listen_send_fd(c, h[i].fd) == 0) {
            close(h[i].fd);
            listen_forget(h, nh, i);
        }
        close(c);
        return;
    }
    dprintf(c, "error connection %lu is not waiting (taken, closed, or never announced)\n", n);
    close(c);
}

int cmd_listen(int argc, char **argv)
{
    struct hf_state st;
    static struct held held[LISTEN_HELD_MAX];
    struct pollfd p[2 + LISTEN_ADDRS_MAX];
    int fds[LISTEN_ADDRS_MAX], nfds, nheld = 0, ctl, i = 0;
    const char *bind_addr = "localhost";
    unsigned long next = 0;
    unsigned real = 0;
    char *end;
    long port;

    if (argc >= 2 && strcmp(argv[0], "--bind") == 0) {
        bind_addr = argv[1];
        i = 2;
    }
    if (argc - i != 2)
        hf_die("listen needs PORT and TOKEN; see: " HF_PROG " --help");
    port = strtol(argv[i], &end, 10);
    if (!*argv[i] || *end || port < 0 || port > 65535)
        hf_die("listen: bad port '%s'; use a number from 0 (any free one) to 65535", argv[i]);
    listen_check_token(argv[i + 1]);
    statedir_enter(&st);
    snprintf(g_ctl, sizeof g_ctl, "%s.listen", argv[i + 1]);
    nfds = listen_bind(bind_addr, argv[i], fds, &real);
    ctl = listen_ctl_open();
    signal(SIGTERM, listen_on_signal);
    signal(SIGHUP, listen_on_signal);
    signal(SIGINT, listen_on_signal);
    printf("listening %u\n", real);
    fflush(stdout);
    for (;;) {
        uint64_t now = hf_now_ms(), wake = UINT64_MAX;
        int k, timeout;
        for (k = 0; k < nheld; k++) {
            if (held[k].until <= now) {
                close(held[k].fd); /* nobody came for it: its client sees the close */
                listen_forget(held, &nheld, k--);
            } else if (held[k].until < wake) {
                wake = held[k].until;
            }
        }
        p[0].fd = 0;
        p[0].events = POLLIN;
        p[1].fd = ctl;
        p[1].events = POLLIN;
        for (k = 0; k < nfds; k++) {
            p[2 + k].fd = fds[k];
            p[2 + k].events = POLLIN;
        }
        timeout = wake == UINT64_MAX ? -1 : (int)(wake - now);
        if (poll(p, (nfds_t)(2 + nfds), timeout) < 0 && errno != EINTR)
            break;
        if (p[0].revents) {
            char buf[512];
            ssize_t n = read(0, buf, sizeof buf); /* nothing is said on stdin: only its end */
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                break;
        }
        if (p[1].revents & POLLIN)
            listen_serve_take(ctl, held, &nheld);
        for (k = 0; k < nfds; k++)
            if (p[2 + k].revents & POLLIN)
                listen_accept(fds[k], held, &nheld, &next, hf_now_ms());
    }
    unlink(g_ctl);
    return 0;
}

/* Receives the socket and the listener's word for it: the fd, or -1 (the word in why). */
static int take_recv_fd(int c, char *why, size_t cap)
{
    size_t nfd;
    int fds[HF_FDS_MAX];
    ssize_t n = hf_recv_fds(c, why, cap - 1, fds, HF_FDS_MAX, &nfd);
    why[n > 0 ? n : 0] = '\0';
    why[strcspn(why, "\n")] = '\0';
    if (n > 0 && nfd == 1) /* the listener sends one, alone */
        return fds[0];
    while (nfd > 0)
        close(fds[--nfd]);
    return -1;
}

int cmd_take(int argc, char **argv)
{
    struct hf_state st;
    struct sockaddr_un sa;
    char why[256], what[96];
    unsigned long n;
    char *end;
    int c, fd;
    if (argc != 2)
        hf_die("take needs TOKEN and N; see: " HF_PROG " --help");
    listen_check_token(argv[0]);
    n = strtoul(argv[1], &end, 10);
    if (!*argv[1] || *end || n == 0)
        hf_die("take: bad connection number '%s'", argv[1]);
    statedir_enter(&st);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s.listen", argv[0]);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof sa) < 0) {
        hf_warn("take: no listener %s here (%s); the forward has ended", argv[0],
                strerror(errno));
        return TAKE_NONE;
    }
    dprintf(c, "%lu\n", n);
    fd = take_recv_fd(c, why, sizeof why);
    close(c);
    if (fd < 0 || strcmp(why, "ok") != 0) {
        hf_warn("take: %s", *why ? why + (strncmp(why, "error ", 6) == 0 ? 6 : 0)
                                 : "the listener gave no connection");
        if (fd >= 0)
            close(fd);
        return TAKE_NONE;
    }
    snprintf(what, sizeof what, "take: connection %lu", n);
    return relay_run(fd, what) < 0 ? TAKE_RELAY : 0;
}
