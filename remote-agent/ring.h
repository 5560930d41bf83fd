/* ring.h - the session's output ring, addressed by absolute byte offset.
 *
 * Holds the last `cap` bytes the PTY produced: offsets [start, end). The backing store is
 * an anonymous mapping, so pages the session never wrote cost no memory. */
#ifndef HF_RING_H
#define HF_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring {
    uint8_t *buf;   /* cap bytes; offset o lives at buf[o % cap] */
    size_t cap;     /* capacity (the session's scrollback) */
    uint64_t start; /* oldest offset still held */
    uint64_t end;   /* one past the newest offset: total bytes ever produced */
};

int ring_init(struct ring *r, size_t cap);
void ring_free(struct ring *r);
/* Contiguous free span at the end (overwrites the oldest bytes once full): where the next
 * read may land. Never longer than `max`. */
uint8_t *ring_write_span(struct ring *r, size_t max, size_t *n);
/* Records that n bytes were written at the span: end += n, start follows. */
void ring_commit(struct ring *r, size_t n);
/* Copies bytes in (for tests and small writes). */
void ring_write(struct ring *r, const uint8_t *p, size_t n);
/* Contiguous bytes held from `off` (start <= off < end), at most `max`; 0 otherwise. */
size_t ring_peek(const struct ring *r, uint64_t off, size_t max, const uint8_t **p);

#endif
