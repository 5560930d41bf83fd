/* bridge.c - `bridge ID`: the client speaks the protocol through this over an SSH exec
 * channel (stdin and stdout), to the session's socket.
 *
 * First it hands its stdin and stdout to the session's master (MSG_ADOPT, SCM_RIGHTS):
 * the master then reads and writes them itself, straight between sshd and the session,
 * and this process only waits for the master to let go (its connection closes), then
 * exits. Nothing is read from stdin before that, so a master from before ADOPT (it
 * answers ERROR) loses nothing: the bridge then relays byte for byte, as it always did.
 * Two bounded buffers, one per direction; a side is read only while its buffer has room,
 * so back-pressure passes through unchanged. Ends when either side closes, once what the
 * session sent before it closed is delivered. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "codec.h"
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

#define BRIDGE_ADOPT_MS 10000 /* a live master answers ADOPT in microseconds */

/* Whether fd is a pipe or a socket: what sshd gives a command, and all a master takes. */
static int bridge_is_channel(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* Hands stdin and stdout to the master over `sock` (still blocking). 1: taken, and ours
 * now point at /dev/null (sshd sees the channel's end once the master closes its
 * copies); 0: not taken (an older master), the caller relays on a new connection; -1:
 * the master did not answer. */
static int bridge_hand_over(int sock)
{
    const int fds[2] = { 0, 1 };
    uint8_t hdr[HF_HEADER_LEN], reply[HF_HEADER_LEN];
    size_t got = 0;
    ssize_t n;
    int nul;

    codec_put_header(hdr, MSG_ADOPT, 0);
    if (hf_send_fds(sock, hdr, sizeof hdr, fds, 2) < 0)
        return 0;
    while (got < sizeof reply) {
        struct pollfd p;
        int r;
        p.fd = sock;
        p.events = POLLIN;
        r = poll(&p, 1, BRIDGE_ADOPT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        n = read(sock, reply + got, sizeof reply - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < sizeof reply || reply[0] != MSG_ADOPTED || codec_get_u32(reply + 1) != 0)
        return 0;
    nul = open("/dev/null", O_RDWR);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        if (nul > 1)
            close(nul);
    }
    return 1;
}

/* After the hand-over: waits until the master lets go of stdin and stdout (it closes our
 * connection when the client is dropped, detached or the session ended). */
static int bridge_wait(int sock)
{
    char b[64];
    for (;;) {
        ssize_t n = read(sock, b, sizeof b);
        if (n == 0 || (n < 0 && errno != EINTR))
            return 0;
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
    /* stdout holds a few OUTPUT frames per wakeup, stdin as many SSH packets: at the
     * default 64 KiB sshd waited for its reader every two (100 MB up through `cat` took
     * 540 ms, 480 with this; ssh itself 390). Whoever reads them: the master, or us. */
    hf_grow_pipe(0, BRIDGE_BUF);
    hf_grow_pipe(1, BRIDGE_BUF);
    if (bridge_is_channel(0) && bridge_is_channel(1)) {
        rc = bridge_hand_over(c.fd);
        if (rc < 0)
            hf_die("session %s did not answer; attach again", id);
        if (rc == 1) {
            rc = bridge_wait(c.fd);
            cli_close(&c);
            return rc;
        }
        cli_close(&c); /* refused: relay on a connection of our own */
        if (cli_open(&c, id, err, sizeof err) < 0)
            hf_die("%s", err);
    }
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
