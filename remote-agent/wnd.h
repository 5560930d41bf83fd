/* wnd.h - the size of a version 3 client's SHOWN window, from the link it measures: the
 * bandwidth-delay product of the whole path from the master to what the user sees (socket,
 * sshd, SSH, TCP, the client's terminal). Pure (time is an argument), so it is tested on its
 * own (tests/test_wnd.c). PROTOCOL.md "Sessions, offsets and flow control".
 *
 * Round trip: the time from writing an output byte to the client until a SHOWN covers it
 * (the least seen lately: what the path takes with no queue in it). Rate: how fast SHOWN
 * advances, over spans of at least a round trip (the best seen lately). The window is
 * twice their product while the rate still grows, then about the product (wnd.c) -
 * twice again for a while after SHOWN stalled with output in flight (a lossy path) -,
 * never below HF_SHOWN_WINDOW (a fast loopback keeps the fixed one, Ctrl-C there stays
 * as it was) nor above HF_SHOWN_WINDOW_MAX. While the window is what limits, the rate
 * measured is a window per round trip, so the next window is twice the last: it doubles
 * each round trip until the link, not the window, is the limit. */
#ifndef HF_WND_H
#define HF_WND_H

#include <stdint.h>

#define WND_STAMPS 16 /* sent offsets remembered: one per eighth of a window, so a whole
                         window in flight needs 8 and a window that doubled 16 */

struct wnd {
    uint64_t window;                 /* bytes the master may read past SHOWN */
    uint64_t stamp_off[WND_STAMPS];  /* output before this offset was written... */
    uint64_t stamp_ms[WND_STAMPS];   /* ...at this time */
    unsigned head, n;                /* oldest stamp, how many */
    uint64_t rtt_ms;                 /* least round trip lately; UINT64_MAX: none yet */
    uint64_t rtt_at;                 /* when it was measured */
    uint64_t rate;                   /* best SHOWN advance lately, bytes per second */
    uint64_t rate_at;                /* when it was measured */
    uint64_t span_off, span_ms;      /* start of the span the next rate is measured on */
    uint64_t full_bw;                /* the rate the pipe-full check compares with */
    unsigned full_rounds;            /* rate samples since it last grew by a quarter */
    int full;                        /* the rate stopped growing: the pipe is full */
    unsigned cycle;                  /* full: where the gain cycle is (wnd.c) */
    uint64_t shown_ms;               /* when SHOWN last advanced (0: not yet) */
    uint64_t stall_at;               /* when it last stalled with output in flight (0:
                                        never): a lossy path, whose window keeps slack */
};

/* A client attached with everything before `shown` shown. */
void wnd_init(struct wnd *w, uint64_t shown, uint64_t now);

/* Output before `next` has been written to the client. */
void wnd_sent(struct wnd *w, uint64_t next, uint64_t now);

/* The client said SHOWN `shown` (higher than any before); updates the window. */
void wnd_shown(struct wnd *w, uint64_t shown, uint64_t now);

#endif
