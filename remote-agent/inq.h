/* inq.h - keystrokes on their way to the PTY: the input dedup table (what each client id
 * has had applied) and the input queue (accepted INPUT not yet written to the PTY).
 *
 * Pure data structures, no I/O: the master writes the queue's bytes to the PTY and tells
 * the queue how many went (PROTOCOL.md "INPUT", DESIGN.md invariant 2). */
#ifndef HF_INQ_H
#define HF_INQ_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define HF_DEDUP_SLOTS 256        /* client ids remembered: every attached one (at most
                                     HF_MAX_CLIENTS) and, least recently used first out, ids
                                     that left; a tab that comes back after 200 others
                                     came and went is told its state is gone (INPUT_LOST) */
#define HF_INQ_CAP (256u * 1024)  /* input accepted but not yet written to the PTY */
#define HF_PIPES_INQ_CAP (2u << 20) /* the same for a pipes session's stdin: a client keeps
                                     this much in flight (PROTOCOL.md "Pipes"), and stdin
                                     runs at most a window per ACK round trip: 2 MiB is
                                     40 MB/s at 50 ms (256 KiB would be 5 MB/s); pages
                                     are only touched as they fill */
#define HF_INQ_ENTRIES 512        /* INPUT frames in that queue */

/* What the master knows of one client id's keystrokes. */
struct dedup_slot {
    uint8_t id[HF_CLIENT_ID_LEN];
    int used;
    int attached;              /* connections attached with this id: never reused while > 0 */
    uint64_t applied;          /* last seq accepted into the input queue */
    uint64_t written;          /* last seq fully written to the PTY */
    uint64_t lru;              /* last use, for choosing which idle id to forget */
    uint64_t shown;            /* terminal: output it said it showed (SHOWN, ATTACH offset):
                                  where its resume socket starts (push.h) */
};

struct dedup_table {
    struct dedup_slot s[HF_DEDUP_SLOTS];
    uint64_t clock;
};

/* The slot remembering `id`, or -1 when none does (never seen, or forgotten). */
int dedup_lookup(struct dedup_table *t, const uint8_t *id);
/* A fresh slot for `id` (applied = written = 0). Only an idle slot is reused: nobody
 * attached with its id and all its input written, least recently used first. -1 when
 * every slot is in use by an attached client or by input still queued. */
int dedup_claim(struct dedup_table *t, const uint8_t *id);
/* A connection attached with / left slot i (pins it against reuse while attached). */
void dedup_attach(struct dedup_table *t, int i);
void dedup_detach(struct dedup_table *t, int i);

struct inq_entry {
    int slot;                  /* dedup slot of the client that sent it */
    uint64_t seq;
    size_t left;               /* bytes of this INPUT not yet written */
};

struct inq {
    uint8_t *buf;              /* cap bytes, allocated on first input */
    size_t cap;                /* 0: HF_INQ_CAP */
    size_t off, len;           /* written up to off, filled up to len */
    struct inq_entry e[HF_INQ_ENTRIES];
    unsigned head, n;
};

/* Whether an INPUT of n data bytes fits now. */
int inq_room(const struct inq *q, size_t n);
/* Queues an INPUT (the caller checked inq_room). 0, or -1 when the buffer cannot be
 * allocated: then it is not applied, never acknowledged, and the client resends it. */
int inq_push(struct inq *q, int slot, uint64_t seq, const uint8_t *p, size_t n);
/* Bytes waiting to be written (0 when none); *p points at them. */
size_t inq_pending(const struct inq *q, const uint8_t **p);
/* n of those bytes were written: calls done(ctx, slot, seq) for every INPUT now written
 * whole, in order. */
void inq_advance(struct inq *q, size_t n, void (*done)(void *ctx, int slot, uint64_t seq),
                 void *ctx);
/* Forgets everything queued (the PTY is gone: it can never be written). */
void inq_clear(struct inq *q);
void inq_free(struct inq *q);

#endif
