/* flow.c - the per-client read allowance (flow.h). */
#include "flow.h"
#include "proto.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

uint64_t flow_allowance(const struct flow_client *c, uint64_t cap)
{
    uint64_t pending = c->end - c->next;
    uint64_t room;
    if (pending >= min_u64(HF_WINDOW, cap))
        return 0;
    room = cap - pending; /* never overwrite what it has not been sent */
    if (c->by_shown) {
        uint64_t window = min_u64(c->window ? c->window : HF_SHOWN_WINDOW, cap);
        uint64_t unshown = c->end - c->shown;
        if (unshown >= window)
            return 0;
        room = min_u64(room, window - unshown);
    }
    return room;
}

uint64_t flow_pipes_allowance(uint64_t end, uint64_t acked, uint64_t cap)
{
    uint64_t held = end > acked ? end - acked : 0;
    return held >= cap ? 0 : cap - held;
}
