/* test_inq.c - the input dedup table (which client ids are remembered, which may be
 * forgotten) and the input queue (bytes in order, each INPUT acknowledged once whole). */
#include <string.h>

#include "inq.h"
#include "test.h"

static void id_of(uint8_t *id, unsigned n)
{
    memset(id, 0, HF_CLIENT_ID_LEN);
    id[0] = (uint8_t)(n >> 8);
    id[1] = (uint8_t)n;
    id[15] = 0xaa;
}

/* A client attached all along keeps its slot however many others come and go. */
static void test_attached_never_forgotten(void)
{
    static struct dedup_table t;
    uint8_t a[HF_CLIENT_ID_LEN], other[HF_CLIENT_ID_LEN];
    int sa, i, ok = 1;
    memset(&t, 0, sizeof t);
    id_of(a, 1);
    sa = dedup_claim(&t, a);
    dedup_attach(&t, sa);
    t.s[sa].applied = t.s[sa].written = 5;
    for (i = 0; i < 300; i++) {
        int s;
        id_of(other, 1000 + (unsigned)i);
        s = dedup_claim(&t, other);
        if (s < 0 || s == sa)
            ok = 0;
        dedup_attach(&t, s);
        dedup_detach(&t, s);
    }
    CHECK(ok);
    CHECK(dedup_lookup(&t, a) == sa);
    CHECK(t.s[sa].applied == 5);
}

/* Idle ids are forgotten least recently used first; an id with input still queued is not. */
static void test_idle_lru_and_pending(void)
{
    static struct dedup_table t;
    uint8_t id[HF_CLIENT_ID_LEN];
    int i, s, first, pending;
    memset(&t, 0, sizeof t);
    for (i = 0; i < HF_DEDUP_SLOTS; i++) {
        id_of(id, (unsigned)i);
        s = dedup_claim(&t, id);
        CHECK(s >= 0);
    }
    id_of(id, 0);
    first = dedup_lookup(&t, id);
    id_of(id, 1);
    pending = dedup_lookup(&t, id);
    t.s[pending].applied = 3; /* written 0: its input is still queued */
    id_of(id, 0);
    dedup_lookup(&t, id); /* id 0 used again: no longer the oldest */
    id_of(id, 5000);
    s = dedup_claim(&t, id);
    CHECK(s >= 0 && s != first && s != pending);
    id_of(id, 2); /* the oldest idle one went */
    CHECK(dedup_lookup(&t, id) < 0);
    id_of(id, 1);
    CHECK(dedup_lookup(&t, id) == pending);
}

/* Every slot pinned (attached or with input queued): no slot, rather than a live one. */
static void test_all_pinned(void)
{
    static struct dedup_table t;
    uint8_t id[HF_CLIENT_ID_LEN];
    int i, s;
    memset(&t, 0, sizeof t);
    for (i = 0; i < HF_DEDUP_SLOTS; i++) {
        id_of(id, (unsigned)i);
        s = dedup_claim(&t, id);
        if (i % 2)
            dedup_attach(&t, s);
        else
            t.s[s].applied = 1;
    }
    id_of(id, 9999);
    CHECK(dedup_claim(&t, id) == -1);
    id_of(id, 0);
    s = dedup_lookup(&t, id);
    t.s[s].written = 1; /* its input written: idle now */
    id_of(id, 9999);
    CHECK(dedup_claim(&t, id) == s);
    CHECK(t.s[s].applied == 0 && t.s[s].written == 0 && t.s[s].attached == 0);
}

struct acks {
    int slot[16];
    uint64_t seq[16];
    int n;
};

static void on_done(void *ctx, int slot, uint64_t seq)
{
    struct acks *a = ctx;
    if (a->n < 16) {
        a->slot[a->n] = slot;
        a->seq[a->n] = seq;
    }
    a->n++;
}

/* Bytes come out in order; an INPUT is done only once its last byte is written. */
static void test_queue_order_and_partial_writes(void)
{
    static struct inq q;
    struct acks a;
    const uint8_t *p;
    size_t n;
    memset(&q, 0, sizeof q);
    memset(&a, 0, sizeof a);
    CHECK(inq_pending(&q, &p) == 0);
    CHECK(inq_room(&q, 10));
    CHECK(inq_push(&q, 3, 1, (const uint8_t *)"abc", 3) == 0);
    CHECK(inq_push(&q, 4, 7, (const uint8_t *)"defg", 4) == 0);
    n = inq_pending(&q, &p);
    CHECK(n == 7 && memcmp(p, "abcdefg", 7) == 0);
    inq_advance(&q, 2, on_done, &a);
    CHECK(a.n == 0);
    inq_advance(&q, 2, on_done, &a); /* "cd": the first INPUT whole, the second begun */
    CHECK(a.n == 1 && a.slot[0] == 3 && a.seq[0] == 1);
    n = inq_pending(&q, &p);
    CHECK(n == 3 && memcmp(p, "efg", 3) == 0);
    inq_advance(&q, 3, on_done, &a);
    CHECK(a.n == 2 && a.slot[1] == 4 && a.seq[1] == 7);
    CHECK(inq_pending(&q, &p) == 0);
    inq_free(&q);
}

/* The queue is bounded in bytes and in frames, and compacts to reuse written space. */
static void test_queue_bounds(void)
{
    static struct inq q;
    static uint8_t big[HF_MAX_DATA];
    struct acks a;
    const uint8_t *p;
    unsigned i, pushed = 0;
    memset(&q, 0, sizeof q);
    memset(&a, 0, sizeof a);
    while (inq_room(&q, sizeof big)) {
        CHECK(inq_push(&q, 0, ++pushed, big, sizeof big) == 0);
    }
    CHECK(pushed == HF_INQ_CAP / HF_MAX_DATA);
    inq_advance(&q, HF_MAX_DATA, on_done, &a); /* one written: room for one more */
    CHECK(a.n == 1);
    CHECK(inq_room(&q, sizeof big));
    CHECK(inq_push(&q, 0, ++pushed, big, sizeof big) == 0);
    CHECK(inq_pending(&q, &p) == HF_INQ_CAP);
    inq_clear(&q);
    for (i = 0; i < HF_INQ_ENTRIES; i++)
        CHECK(inq_push(&q, 0, i + 1, (const uint8_t *)"x", 1) == 0);
    CHECK(!inq_room(&q, 1)); /* frames, not bytes, are the limit here */
    inq_free(&q);
}

void test_inq(void)
{
    test_attached_never_forgotten();
    test_idle_lru_and_pending();
    test_all_pinned();
    test_queue_order_and_partial_writes();
    test_queue_bounds();
}
