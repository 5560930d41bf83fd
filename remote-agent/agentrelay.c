/* agentrelay.c - the forwarded agent's request table (see agentrelay.h). */
#include <stdlib.h>
#include <string.h>

#include "agentrelay.h"
#include "codec.h"

void arelay_init(struct arelay *r)
{
    memset(r, 0, sizeof *r);
    r->next_id = 1;
}

static void ar_done(struct arelay_req *q)
{
    free(q->msg);
    memset(q, 0, sizeof *q);
}

void arelay_free(struct arelay *r)
{
    int i;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        if (r->req[i].used)
            ar_done(&r->req[i]);
}

int arelay_submit(struct arelay *r, int conn, const uint8_t *msg, size_t len, uint64_t now)
{
    int i;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++) {
        struct arelay_req *q = &r->req[i];
        if (q->used)
            continue;
        q->msg = malloc(len);
        if (!q->msg)
            return -1;
        memcpy(q->msg, msg, len);
        q->len = len;
        q->used = 1;
        q->conn = conn;
        q->id = r->next_id++;
        if (r->next_id == 0) /* ids wrap after 4 billion requests; 0 is never used */
            r->next_id = 1;
        q->deadline = now + HF_AGENT_WAIT_MS;
        q->sent_to = 0;
        return 0;
    }
    return -1;
}

void arelay_carrier_ready(struct arelay *r, uint64_t serial)
{
    int i;
    r->carrier = serial;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        if (r->req[i].used && r->req[i].sent_to != serial)
            r->req[i].sent_to = 0;
}

void arelay_carrier_gone(struct arelay *r, uint64_t serial)
{
    int i;
    if (r->carrier == serial)
        r->carrier = 0;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        if (r->req[i].used && r->req[i].sent_to == serial)
            r->req[i].sent_to = 0;
}

const struct arelay_req *arelay_next_send(struct arelay *r, uint64_t serial)
{
    int i;
    if (serial == 0 || serial != r->carrier)
        return NULL;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++) {
        struct arelay_req *q = &r->req[i];
        if (q->used && q->sent_to == 0) {
            q->sent_to = serial;
            return q;
        }
    }
    return NULL;
}

int arelay_has_send(const struct arelay *r, uint64_t serial)
{
    int i;
    if (serial == 0 || serial != r->carrier)
        return 0;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        if (r->req[i].used && r->req[i].sent_to == 0)
            return 1;
    return 0;
}

int arelay_reply(struct arelay *r, uint32_t id)
{
    int i;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++) {
        struct arelay_req *q = &r->req[i];
        if (q->used && q->id == id) {
            int conn = q->conn;
            ar_done(q);
            return conn;
        }
    }
    return -1;
}

int arelay_expire(struct arelay *r, uint64_t now)
{
    int i;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++) {
        struct arelay_req *q = &r->req[i];
        if (q->used && now >= q->deadline) {
            int conn = q->conn;
            ar_done(q);
            return conn;
        }
    }
    return -1;
}

uint64_t arelay_next_deadline(const struct arelay *r)
{
    uint64_t at = UINT64_MAX;
    int i;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        if (r->req[i].used && r->req[i].deadline < at)
            at = r->req[i].deadline;
    return at;
}

void arelay_cancel(struct arelay *r, int conn)
{
    int i;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        if (r->req[i].used && r->req[i].conn == conn)
            ar_done(&r->req[i]);
}

int arelay_waiting(const struct arelay *r, int conn)
{
    int i;
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        if (r->req[i].used && r->req[i].conn == conn)
            return 1;
    return 0;
}

long arelay_message_len(const uint8_t *buf, size_t n, size_t *need)
{
    uint32_t len;
    *need = 0;
    if (n < HF_AGENT_LEN_BYTES)
        return 0;
    len = codec_get_u32(buf);
    if (len == 0 || len > HF_AGENT_MAX_MSG)
        return -1;
    *need = HF_AGENT_LEN_BYTES + (size_t)len;
    return n >= *need ? (long)*need : 0;
}

void arelay_put_len(uint8_t *out, size_t len)
{
    codec_put_u32(out, (uint32_t)len);
}
