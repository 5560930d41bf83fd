/* wnd.c - the SHOWN window sized to the measured bandwidth-delay product (wnd.h). */
#include "wnd.h"
#include "proto.h"

/* A least round trip or best rate older than this is forgotten (ms): a path that got
 * slower (a roaming laptop, a busier link) is followed within this, as BBR's filters do. */
#define WND_FORGET_MS 10000
/* Shortest span a rate is measured on (ms): below it a burst that reached the client in
 * one read would count as an absurd rate. */
#define WND_MIN_SPAN_MS 10

void wnd_init(struct wnd *w, uint64_t shown, uint64_t now)
{
    w->window = HF_SHOWN_WINDOW;
    w->head = w->n = 0;
    w->rtt_ms = UINT64_MAX;
    w->rtt_at = now;
    w->rate = 0;
    w->rate_at = now;
    w->span_off = shown;
    w->span_ms = now;
}

void wnd_sent(struct wnd *w, uint64_t next, uint64_t now)
{
    unsigned last = (w->head + w->n + WND_STAMPS - 1) % WND_STAMPS;
    uint64_t step = w->window / 8;
    if (w->n > 0 && next < w->stamp_off[last] + step)
        return; /* one stamp per eighth of a window */
    if (w->n == WND_STAMPS) { /* the oldest goes: its round trip is then not measured */
        w->head = (w->head + 1) % WND_STAMPS;
        w->n--;
    }
    last = (w->head + w->n) % WND_STAMPS;
    w->stamp_off[last] = next;
    w->stamp_ms[last] = now;
    w->n++;
}

/* The round trip of the newest stamp `shown` covers, if any; the stamps it covers go. */
static void wnd_take_rtt(struct wnd *w, uint64_t shown, uint64_t now)
{
    uint64_t sample = UINT64_MAX;
    while (w->n > 0 && w->stamp_off[w->head] <= shown) {
        sample = now - w->stamp_ms[w->head];
        w->head = (w->head + 1) % WND_STAMPS;
        w->n--;
    }
    if (sample == UINT64_MAX)
        return;
    if (sample <= w->rtt_ms || now - w->rtt_at > WND_FORGET_MS) {
        w->rtt_ms = sample;
        w->rtt_at = now;
    }
}

/* A rate from the span ending now, once it is at least a round trip long. */
static void wnd_take_rate(struct wnd *w, uint64_t shown, uint64_t now)
{
    uint64_t span = now - w->span_ms, min = w->rtt_ms;
    uint64_t rate;
    if (min == UINT64_MAX || min < WND_MIN_SPAN_MS)
        min = WND_MIN_SPAN_MS;
    if (span < min)
        return;
    rate = (shown - w->span_off) * 1000 / span;
    if (rate >= w->rate || now - w->rate_at > WND_FORGET_MS) {
        w->rate = rate;
        w->rate_at = now;
    }
    w->span_off = shown;
    w->span_ms = now;
}

void wnd_shown(struct wnd *w, uint64_t shown, uint64_t now)
{
    uint64_t bdp;
    wnd_take_rtt(w, shown, now);
    wnd_take_rate(w, shown, now);
    if (w->rtt_ms == UINT64_MAX)
        return;
    bdp = w->rate / 1000 * w->rtt_ms;
    w->window = 2 * bdp;
    if (w->window < HF_SHOWN_WINDOW)
        w->window = HF_SHOWN_WINDOW;
    if (w->window > HF_SHOWN_WINDOW_MAX)
        w->window = HF_SHOWN_WINDOW_MAX;
}
