/* inq.c - the input dedup table and the input queue (see inq.h). */
#include <stdlib.h>
#include <string.h>

#include "inq.h"

int dedup_lookup(struct dedup_table *t, const uint8_t *id)
{
    int i;
    for (i = 0; i < HF_DEDUP_SLOTS; i++) {
        struct dedup_slot *d = &t->s[i];
        if (d->used && memcmp(d->id, id, HF_CLIENT_ID_LEN) == 0) {
            d->lru = ++t->clock;
            return i;
        }
    }
    return -1;
}

/* A slot may be forgotten only when nothing depends on it any more: no connection is
 * attached with its id (a live tab keeps typing into it) and none of its input is still
 * queued (the queue's ACKs need it). */
static int dedup_idle(const struct dedup_slot *d)
{
    return d->attached == 0 && d->written == d->applied;
}

int dedup_claim(struct dedup_table *t, const uint8_t *id)
{
    int i, pick = -1;
    for (i = 0; i < HF_DEDUP_SLOTS; i++) {
        struct dedup_slot *d = &t->s[i];
        if (!d->used) {
            pick = i;
            break;
        }
        if (dedup_idle(d) && (pick < 0 || d->lru < t->s[pick].lru))
            pick = i;
    }
    if (pick < 0)
        return -1;
    memset(&t->s[pick], 0, sizeof t->s[pick]);
    memcpy(t->s[pick].id, id, HF_CLIENT_ID_LEN);
    t->s[pick].used = 1;
    t->s[pick].lru = ++t->clock;
    return pick;
}

void dedup_attach(struct dedup_table *t, int i)
{
    t->s[i].attached++;
    t->s[i].lru = ++t->clock;
}

void dedup_detach(struct dedup_table *t, int i)
{
    if (t->s[i].attached > 0)
        t->s[i].attached--;
    t->s[i].lru = ++t->clock;
}

static size_t inq_cap(const struct inq *q)
{
    return q->cap ? q->cap : HF_INQ_CAP;
}

int inq_room(const struct inq *q, size_t n)
{
    return q->n < HF_INQ_ENTRIES && inq_cap(q) - (q->len - q->off) >= n;
}

int inq_push(struct inq *q, int slot, uint64_t seq, const uint8_t *p, size_t n)
{
    struct inq_entry *e;
    if (!q->buf && !(q->buf = malloc(inq_cap(q))))
        return -1;
    if (q->len + n > inq_cap(q)) {
        memmove(q->buf, q->buf + q->off, q->len - q->off);
        q->len -= q->off;
        q->off = 0;
    }
    memcpy(q->buf + q->len, p, n);
    q->len += n;
    e = &q->e[(q->head + q->n) % HF_INQ_ENTRIES];
    e->slot = slot;
    e->seq = seq;
    e->left = n;
    q->n++;
    return 0;
}

size_t inq_pending(const struct inq *q, const uint8_t **p)
{
    *p = q->buf ? q->buf + q->off : NULL;
    return q->len - q->off;
}

void inq_advance(struct inq *q, size_t n, void (*done)(void *ctx, int slot, uint64_t seq),
                 void *ctx)
{
    q->off += n;
    while (n > 0 && q->n > 0) {
        struct inq_entry *e = &q->e[q->head];
        size_t take = e->left < n ? e->left : n;
        e->left -= take;
        n -= take;
        if (e->left == 0) {
            q->head = (q->head + 1) % HF_INQ_ENTRIES;
            q->n--;
            done(ctx, e->slot, e->seq);
        }
    }
    if (q->off >= q->len)
        q->off = q->len = 0;
}

void inq_clear(struct inq *q)
{
    q->off = q->len = 0;
    q->head = q->n = 0;
}

void inq_free(struct inq *q)
{
    free(q->buf);
    q->buf = NULL;
    inq_clear(q);
}
