/* test_ring.c - the output ring: offsets, wraparound, what falls out. */
#include <string.h>

#include "ring.h"
#include "test.h"

/* Byte at absolute offset o of the test stream. */
static uint8_t pattern(uint64_t o)
{
    return (uint8_t)(o * 7 + (o >> 8));
}

static void fill(struct ring *r, size_t n)
{
    uint8_t buf[1000];
    while (n > 0) {
        size_t k = n < sizeof buf ? n : sizeof buf, i;
        for (i = 0; i < k; i++)
            buf[i] = pattern(r->end + i);
        ring_write(r, buf, k);
        n -= k;
    }
}

/* Reads [off, end) back through ring_peek and checks every byte. */
static int read_back_ok(const struct ring *r, uint64_t off)
{
    while (off < r->end) {
        const uint8_t *p;
        size_t n = ring_peek(r, off, 333, &p), i;
        if (n == 0)
            return 0;
        for (i = 0; i < n; i++)
            if (p[i] != pattern(off + i))
                return 0;
        off += n;
    }
    return 1;
}

static void ring_starts_empty(void)
{
    struct ring r;
    const uint8_t *p;
    CHECK(ring_init(&r, 4096) == 0);
    CHECK(r.start == 0 && r.end == 0);
    CHECK(ring_peek(&r, 0, 10, &p) == 0);
    ring_free(&r);
}

static void ring_keeps_everything_until_full(void)
{
    struct ring r;
    CHECK(ring_init(&r, 4096) == 0);
    fill(&r, 4096);
    CHECK(r.start == 0 && r.end == 4096);
    CHECK(read_back_ok(&r, 0));
    ring_free(&r);
}

static void ring_wraps_and_drops_the_oldest(void)
{
    struct ring r;
    const uint8_t *p;
    CHECK(ring_init(&r, 4096) == 0);
    fill(&r, 10000);
    CHECK(r.end == 10000);
    CHECK(r.start == 10000 - 4096);
    CHECK(read_back_ok(&r, r.start));
    CHECK(ring_peek(&r, r.start - 1, 10, &p) == 0); /* fell out */
    CHECK(ring_peek(&r, r.end, 10, &p) == 0);       /* not yet produced */
    ring_free(&r);
}

static void ring_peek_stops_at_the_physical_end(void)
{
    struct ring r;
    const uint8_t *p;
    size_t n;
    CHECK(ring_init(&r, 4096) == 0);
    fill(&r, 4096 + 100);
    /* offset 4000 lives at position 4000: only 96 bytes before the wrap */
    n = ring_peek(&r, 4000, 1000, &p);
    CHECK(n == 96);
    CHECK(p == r.buf + 4000);
    n = ring_peek(&r, 4096, 1000, &p);
    CHECK(n == 100 && p == r.buf);
    ring_free(&r);
}

static void ring_write_span_never_crosses_the_end(void)
{
    struct ring r;
    size_t n;
    uint8_t *span;
    CHECK(ring_init(&r, 4096) == 0);
    fill(&r, 4000);
    span = ring_write_span(&r, 65536, &n);
    CHECK(span == r.buf + 4000 && n == 96);
    memset(span, 'x', n);
    ring_commit(&r, n);
    span = ring_write_span(&r, 10, &n);
    CHECK(span == r.buf && n == 10);
    CHECK(r.end == 4096 && r.start == 0);
    ring_commit(&r, 10);
    CHECK(r.start == 10);
    ring_free(&r);
}

static void ring_offsets_go_past_4_gib(void)
{
    struct ring r;
    CHECK(ring_init(&r, 4096) == 0);
    r.start = r.end = (1ULL << 32) - 100; /* as if 4 GiB had been produced */
    fill(&r, 5000);
    CHECK(r.end == (1ULL << 32) + 4900);
    CHECK(r.end - r.start == 4096);
    CHECK(read_back_ok(&r, r.start));
    ring_free(&r);
}

void test_ring(void)
{
    ring_starts_empty();
    ring_keeps_everything_until_full();
    ring_wraps_and_drops_the_oldest();
    ring_peek_stops_at_the_physical_end();
    ring_write_span_never_crosses_the_end();
    ring_offsets_go_past_4_gib();
}
