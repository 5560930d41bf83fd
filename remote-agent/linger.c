/* linger.c - see linger.h. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linger.h"
#include "master.h"

/* Reads and drops what the peer sent; 1 when it has closed (or failed), 0 while open. */
static int linger_drain(int fd)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
}

void linger_close(struct master *m, int fd, uint64_t now)
{
    if (fd < 0)
        return;
    if (shutdown(fd, SHUT_WR) < 0 || linger_drain(fd) || m->nclosing >= HF_LINGER_MAX) {
        close(fd);
        return;
    }
    m->closing[m->nclosing].fd = fd;
    m->closing[m->nclosing].deadline = now + HF_LINGER_MS;
    m->nclosing++;
}

int linger_poll_fill(struct master *m, struct pollfd *pfd, uint64_t *wake)
{
    int i;
    for (i = 0; i < m->nclosing; i++) {
        pfd[i].fd = m->closing[i].fd;
        pfd[i].events = POLLIN;
        pfd[i].revents = 0;
        if (m->closing[i].deadline < *wake)
            *wake = m->closing[i].deadline;
    }
    return m->nclosing;
}

void linger_poll_done(struct master *m, const struct pollfd *pfd, int n, uint64_t now)
{
    int i, j = 0;
    for (i = 0; i < m->nclosing; i++) {
        int done = now >= m->closing[i].deadline;
        if (i < n && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
            done = done || linger_drain(m->closing[i].fd);
        if (done)
            close(m->closing[i].fd);
        else
            m->closing[j++] = m->closing[i];
    }
    m->nclosing = j;
}

void linger_close_all(struct master *m)
{
    int i;
    for (i = 0; i < m->nclosing; i++)
        close(m->closing[i].fd);
    m->nclosing = 0;
}
