/* mpipes.c - the pipes side of one client of the master (PROTOCOL.md "Pipes", version 4):
 * ATTACH_PIPES, PIPES_SHOWN, INPUT_EOF in; ATTACHED_PIPES, ERR_OUTPUT, ERR_GAP and
 * EXIT_PIPES out. mclient.c keeps the handshake, INPUT and stdout. */
#include <stdio.h>
#include <string.h>

#include "master.h"

static int mpipes_offset_error(struct client *c, const char *what, uint64_t off, uint64_t end)
{
    char text[140];
    snprintf(text, sizeof text, "%s offset %llu is beyond the end of output (%llu)", what,
             (unsigned long long)off, (unsigned long long)end);
    mclient_fail(c, HF_ERR_OFFSET, text);
    return -1;
}

/* Called by mc_attach for a pipes session; the same checks and dedup slot as ATTACH_V2. */
int mpipes_attach(struct master *m, struct client *c, const struct hf_msg *in)
{
    struct hf_msg msg;
    int from_acked = (in->flags & HF_ATTACH_FROM_ACKED) != 0;
    uint64_t out = from_acked ? m->acked_out : in->offset;
    uint64_t err = from_acked ? m->acked_err : in->err_offset;
    if (in->flags & ~HF_ATTACH_PIPES_FLAGS_ALL)
        return mclient_protocol_error(c, "ATTACH_PIPES flags 0x%02x has unknown bits",
                                      (unsigned)in->flags);
    if (mclient_attached_count(m) >= HF_MAX_CLIENTS) {
        mclient_fail(c, HF_ERR_BUSY, "too many clients attached (limit 64); detach one");
        return -1;
    }
    if (out > m->ring.end)
        return mpipes_offset_error(c, "stdout", out, m->ring.end);
    if (err > m->err.end)
        return mpipes_offset_error(c, "stderr", err, m->err.end);
    c->dedup = dedup_lookup(&m->dedup, in->client_id);
    if (c->dedup < 0 && in->input_sent > 0) {
        mclient_fail(c, HF_ERR_INPUT_LOST,
                     "this session no longer remembers the input of this client id; attach "
                     "with a new client id");
        return -1;
    }
    if (c->dedup < 0 && (c->dedup = dedup_claim(&m->dedup, in->client_id)) < 0) {
        mclient_fail(c, HF_ERR_BUSY, "too many clients have input waiting for the session's "
                     "command; retry once it reads its input");
        return -1;
    }
    dedup_attach(&m->dedup, c->dedup);
    c->pipes = 1;
    c->next = c->shown = out;
    c->err_next = c->err_shown = err;
    c->acked = m->dedup.s[c->dedup].applied;
    memset(&msg, 0, sizeof msg);
    msg.type = MSG_ATTACHED_PIPES;
    msg.input_acked = c->acked;
    msg.ring_start = m->ring.start;
    msg.end_offset = m->ring.end;
    msg.err_start = m->err.start;
    msg.err_end = m->err.end;
    msg.from = out;
    msg.err_from = err;
    msg.pid = (uint32_t)m->pid;
    mclient_queue_msg(m, c, &msg, c->next);
    c->state = CL_ATTACHED;
    c->progress_ms = c->heard_ms = hf_now_ms();
    if (m->exited)
        mclient_queue_exit(m, c);
    return 0;
}

/* "I have written stdout before `offset` and stderr before `err_offset`": the rings may
 * now reuse that room. */
int mpipes_shown(struct master *m, struct client *c, const struct hf_msg *in)
{
    if (!c->pipes)
        return mclient_protocol_error(c, "PIPES_SHOWN on a link not attached with ATTACH_PIPES");
    if (in->offset > c->next || in->err_offset > c->err_next)
        return mclient_protocol_error(c, "PIPES_SHOWN %llu/%llu is beyond the output sent "
                                      "(%llu/%llu)", (unsigned long long)in->offset,
                                      (unsigned long long)in->err_offset,
                                      (unsigned long long)c->next,
                                      (unsigned long long)c->err_next);
    if (in->offset > c->shown)
        c->shown = in->offset;
    if (in->err_offset > c->err_shown)
        c->err_shown = in->err_offset;
    if (c->shown > m->acked_out)
        m->acked_out = c->shown;
    if (c->err_shown > m->acked_err)
        m->acked_err = c->err_shown;
    return 0;
}

/* End of input, numbered like INPUT: applied once, after every earlier INPUT is written
 * (master.c's pipes_eof_due closes stdin then and acknowledges it). */
int mpipes_input_eof(struct master *m, struct client *c, const struct hf_msg *in)
{
    struct dedup_slot *d = &m->dedup.s[c->dedup];
    if (!c->pipes)
        return mclient_protocol_error(c, "INPUT_EOF on a link not attached with ATTACH_PIPES");
    if (in->seq <= d->applied) {
        if (in->seq <= d->written)
            mclient_ack(m, c, d->written);
        return 0; /* a duplicate: stdin closes once */
    }
    if (in->seq != d->applied + 1)
        return mclient_protocol_error(c, "INPUT_EOF seq %llu follows %llu: sequence numbers skip",
                                      (unsigned long long)in->seq,
                                      (unsigned long long)d->applied);
    if (!mclient_input_open(m))
        return 0; /* stdin is closed already (another client's EOF, or the command's end) */
    d->applied = in->seq;
    m->eof_slot = c->dedup;
    m->eof_seq = in->seq;
    return 0;
}

int mpipes_err_pending(const struct master *m, const struct client *c)
{
    return c->pipes && c->state == CL_ATTACHED && c->err_next < m->err.end;
}

int mpipes_next_err(struct master *m, struct client *c)
{
    if (c->err_next < m->err.start) {
        struct hf_msg msg;
        memset(&msg, 0, sizeof msg);
        msg.type = MSG_ERR_GAP;
        msg.from = c->err_next;
        msg.to = m->err.start;
        c->tx_off = 0;
        c->tx_len = codec_encode(&msg, c->tx, HF_TX_CAP);
        c->err_next = m->err.start;
        return 1;
    }
    return mclient_send_data(c, 0, MSG_ERR_OUTPUT, &m->err, &c->err_next, m->err.end);
}

void mpipes_queue_exit(struct master *m, struct client *c)
{
    struct hf_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.type = MSG_EXIT_PIPES;
    msg.end_offset = m->ring.end;
    msg.err_end = m->err.end;
    msg.status = m->status;
    msg.signal = (uint8_t)m->signal;
    mclient_queue_msg(m, c, &msg, m->ring.end);
    c->exit_queued = 1;
}
