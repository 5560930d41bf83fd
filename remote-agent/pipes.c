/* pipes.c - a session without a terminal (`new --pipes`, PROTOCOL.md "Pipes"): the
 * command's stdin, stdout and stderr are pipes the master holds, as it holds a PTY.
 *
 * stdout goes to the session's ring (m->ring, read through m->pty), stderr to a ring of
 * its own (m->err); neither ring ever overwrites a byte that no pipes client has
 * acknowledged as written (flow_pipes_allowance): the command waits instead, as it would
 * behind a slow ssh. stdin is written from the input queue, and closed once an INPUT_EOF's
 * earlier input is all written. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "flow.h"
#include "master.h"

#define PIPES_BATCH (256u << 10) /* bytes read from one pipe per loop turn: one pipe
                                    buffer; input still waits behind at most a few ms */
#define PIPES_PIPE_BYTES (256u << 10) /* what each of the command's pipes holds: four
                                    frames, so the master, the command and sshd each wake
                                    once per 256 KiB, not per 64 KiB (the default) */
#define PIPES_ACK_BYTES (256u << 10) /* stdin written after which its ACK goes out at
                                    once: an eighth of the client's 2 MiB window, so it
                                    never waits on the batching, at one ACK per four
                                    INPUTs (one each was an SSH packet through sshd and a
                                    wakeup of the client per 64 KiB) */
#define PIPES_ACK_MS 10              /* below that, the ACK goes out this long after the
                                    first write it covers: a trickle is acknowledged
                                    promptly, like the client's PIPES_SHOWN */

static void pipes_close_fds(int *fds, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* In the child: never returns. */
static void pipes_child(struct master *m, const struct master_opts *o, const int *in,
                        const int *out, const int *er, int errfd)
{
    spawn_reset_signals();
    setsid(); /* its own process group, as under a PTY: SIGNAL reaches all of it */
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(er[1], 2);
    if (in[0] > 2)
        close(in[0]);
    if (out[1] > 2)
        close(out[1]);
    if (er[1] > 2)
        close(er[1]);
    spawn_exec(m, o, errfd);
}

int pipes_spawn(struct master *m, const struct master_opts *o, char *err, size_t errcap)
{
    int fds[8] = { -1, -1, -1, -1, -1, -1, -1, -1 }; /* in, out, err, exec report */
    int i;
    pid_t pid;

    for (i = 0; i < 4; i++) {
        if (pipe(fds + 2 * i) < 0) {
            snprintf(err, errcap, "cannot create a pipe: %s; too many open files?",
                     strerror(errno));
            pipes_close_fds(fds, 8);
            return -1;
        }
    }
    hf_set_cloexec(fds[1]); /* the master's ends, and the exec report */
    hf_set_cloexec(fds[2]);
    hf_set_cloexec(fds[4]);
    hf_set_cloexec(fds[6]);
    hf_set_cloexec(fds[7]);
    pid = fork();
    if (pid < 0) {
        snprintf(err, errcap, "cannot fork: %s; too many processes?", strerror(errno));
        pipes_close_fds(fds, 8);
        return -1;
    }
    if (pid == 0) {
        close(fds[1]);
        close(fds[2]);
        close(fds[4]);
        close(fds[6]);
        pipes_child(m, o, fds, fds + 2, fds + 4, fds[7]);
    }
    close(fds[0]);
    close(fds[3]);
    close(fds[5]);
    close(fds[7]);
    m->child = pid;
    m->in_fd = fds[1];
    m->pty = fds[2];
    m->err_fd = fds[4];
    hf_set_nonblock(m->in_fd, 1);
    hf_set_nonblock(m->pty, 1);
    hf_set_nonblock(m->err_fd, 1);
    hf_grow_pipe(m->in_fd, PIPES_PIPE_BYTES);
    hf_grow_pipe(m->pty, PIPES_PIPE_BYTES);
    hf_grow_pipe(m->err_fd, PIPES_PIPE_BYTES);
    return spawn_result(o, fds[6], err, errcap);
}

size_t pipes_budget(const struct master *m, int err)
{
    const struct ring *r = err ? &m->err : &m->ring;
    uint64_t allow = flow_pipes_allowance(r->end, err ? m->acked_err : m->acked_out, r->cap);
    return allow > PIPES_BATCH ? PIPES_BATCH : (size_t)allow;
}

void pipes_read(struct master *m, int err, size_t budget)
{
    struct ring *r = err ? &m->err : &m->ring;
    int *fd = err ? &m->err_fd : &m->pty;
    size_t got = 0;
    while (*fd >= 0 && got < budget) {
        size_t k;
        uint8_t *span = ring_write_span(r, budget - got, &k);
        ssize_t n = read(*fd, span, k);
        if (n > 0) {
            ring_commit(r, (size_t)n);
            got += (size_t)n;
            m->output_ms = hf_now_ms();
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* its end: every writer closed it (the command and whatever inherited it) */
        close(*fd);
        *fd = -1;
        if (err)
            m->err_done = 1;
        else
            m->pty_done = 1;
    }
}

int pipes_input_fd(const struct master *m)
{
    return m->pipes ? m->in_fd : m->pty;
}

void pipes_input_gone(struct master *m)
{
    inq_clear(&m->inq);
    if (m->pipes && m->in_fd >= 0) {
        close(m->in_fd); /* EPIPE: the command closed its stdin or ended */
        m->in_fd = -1;
    }
}

/* Tells every attached client what of its input is written (PROTOCOL.md "Pipes": ACKs
 * in batches). */
static void pipes_ack_now(struct master *m)
{
    int i;
    for (i = 0; i < m->nclients; i++) {
        struct client *c = m->clients[i];
        if (c && c->state == CL_ATTACHED && c->dedup >= 0)
            mclient_ack(m, c, m->dedup.s[c->dedup].written);
    }
    m->ack_bytes = 0;
    m->ack_due_ms = 0;
}

void pipes_input_written(struct master *m, size_t n, uint64_t now)
{
    m->ack_bytes += n;
    if (!m->ack_due_ms)
        m->ack_due_ms = now + PIPES_ACK_MS;
}

void pipes_ack_due(struct master *m, uint64_t now, uint64_t *wake)
{
    if (!m->ack_due_ms)
        return;
    if (m->ack_bytes >= PIPES_ACK_BYTES || now >= m->ack_due_ms)
        pipes_ack_now(m);
    else if (wake && m->ack_due_ms < *wake)
        *wake = m->ack_due_ms;
}

void pipes_eof_due(struct master *m)
{
    const uint8_t *p;
    int slot = m->eof_slot;
    if (!m->pipes || slot < 0 || inq_pending(&m->inq, &p) > 0)
        return;
    if (m->in_fd >= 0)
        close(m->in_fd);
    m->in_fd = -1;
    m->eof_slot = -1;
    mclient_ack_written(m, slot, m->eof_seq);
    pipes_ack_now(m); /* the end of input is said at once, with whatever came before it */
}

void pipes_close(struct master *m)
{
    if (!m->pipes)
        return;
    if (m->in_fd >= 0)
        close(m->in_fd);
    if (m->err_fd >= 0)
        close(m->err_fd);
    m->in_fd = m->err_fd = -1;
    ring_free(&m->err);
}
