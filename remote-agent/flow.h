/* flow.h - how far one attached client lets the master read the PTY ahead: pure, so the
 * window rule is tested on its own (tests/test_flow.c). PROTOCOL.md "Sessions, offsets
 * and flow control". */
#ifndef HF_FLOW_H
#define HF_FLOW_H

#include <stdint.h>

/* What the master knows of one live attached client. */
struct flow_client {
    uint64_t end;      /* the ring's end: the next PTY byte's offset */
    uint64_t next;     /* the client's next byte to send */
    uint64_t shown;    /* version 3: what it says it has shown (SHOWN); else unused */
    int by_shown;      /* version 3: the window counts from `shown`, not from `next` */
    uint64_t window;   /* version 3: bytes it may have unshown (wnd.h); 0: HF_SHOWN_WINDOW */
};

/* Bytes of PTY output this client allows the master to read now: 0 while it holds the
 * PTY back. Less than a window (HF_WINDOW) of unsent bytes, never more than the ring can
 * hold for it (cap); version 3 also at most its window beyond what it has shown,
 * so what is in flight end to end is bounded and the PTY itself blocks. */
uint64_t flow_allowance(const struct flow_client *c, uint64_t cap);

/* Pipes (version 4): bytes of a stream (stdout or stderr) the master may read now into a
 * ring of `cap` whose next byte is `end`, when the session's pipes clients have written
 * everything before `acked` (PIPES_SHOWN). Never so much that a byte not yet acknowledged
 * would be overwritten, with or without a client attached: the producer waits instead,
 * so a pipes session never has a GAP. */
uint64_t flow_pipes_allowance(uint64_t end, uint64_t acked, uint64_t cap);

#endif
