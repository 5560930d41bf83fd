/* ring.c - output ring buffer (see ring.h). */
#include <string.h>
#include <sys/mman.h>

#include "ring.h"

#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif

int ring_init(struct ring *r, size_t cap)
{
    void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    r->buf = p;
    r->cap = cap;
    r->start = r->end = 0;
    return 0;
}

void ring_free(struct ring *r)
{
    if (r->buf)
        munmap(r->buf, r->cap);
    r->buf = NULL;
}

uint8_t *ring_write_span(struct ring *r, size_t max, size_t *n)
{
    size_t pos = (size_t)(r->end % r->cap);
    size_t room = r->cap - pos;
    *n = room < max ? room : max;
    return r->buf + pos;
}

void ring_commit(struct ring *r, size_t n)
{
    r->end += n;
    if (r->end - r->start > r->cap)
        r->start = r->end - r->cap;
}

void ring_write(struct ring *r, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t k;
        uint8_t *dst = ring_write_span(r, n, &k);
        memcpy(dst, p, k);
        ring_commit(r, k);
        p += k;
        n -= k;
    }
}

size_t ring_peek(const struct ring *r, uint64_t off, size_t max, const uint8_t **p)
{
    size_t pos, n;
    if (off < r->start || off >= r->end)
        return 0;
    pos = (size_t)(off % r->cap);
    n = r->cap - pos;
    if ((uint64_t)n > r->end - off)
        n = (size_t)(r->end - off);
    if (n > max)
        n = max;
    *p = r->buf + pos;
    return n;
}
