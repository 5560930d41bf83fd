/* wnd.c - the SHOWN window sized to the measured bandwidth-delay product (wnd.h). */
#include "wnd.h"
#include "proto.h"

/* A least round trip or best rate older than this is forgotten (ms): a path that got
 * slower (a roaming laptop, a busier link) is followed within this, as BBR's filters do. */
#define WND_FORGET_MS 10000
/* Shortest span a rate is measured on (ms): below it a burst that reached the client in
 * one read would count as an absurd rate. */
#define WND_MIN_SPAN_MS 10
/* The window in products (percent): while the rate still grows, twice the product, so a
 * window-limited link doubles it each round trip (BBR's startup); once the rate has not
 * grown by WND_GROWTH_PCT over WND_FULL_ROUNDS samples the pipe is full, and the gain
 * cycles per rate sample (about a round trip) as BBR's does: a quarter more for one, to
 * find a faster link; a quarter less for the next, to drain what that queued; the
 * product itself for the rest (the least round trip already holds the client's SHOWN
 * batching). More would only queue beyond the pipe, and a Ctrl-C delivers all of that
 * queue: measured at 120 ms (test/bench/rttFlood.ts), a steady quarter more took Ctrl-C
 * from 1.1x to 1.6x ssh's time for no throughput; twice, 2.1x. The product alone, with
 * no probe, only ever shrinks (the rate it measures is at most window / round trip). */
#define WND_STARTUP_GAIN_PCT 200
/* A path that loses packets: SHOWN stood still for more than half a round trip past one
 * (WND_STALL_PCT of the least round trip, plus WND_STALL_SLACK_MS for the client's SHOWN
 * batching) with output in flight, as TCP's loss recovery holds delivery. For
 * WND_FORGET_MS after that the window stays at twice the product, as BBR keeps twice
 * the product in flight: at one product the pipe ran empty after each stall (a held
 * session at 0.54x ssh's throughput at 120 ms and 1 % loss), while ssh keeps sshd's 2 MB
 * channel window queued. A clean path never stalls, and keeps the product (Ctrl-C). */
#define WND_STALL_PCT 150
#define WND_STALL_SLACK_MS 10
#define WND_LOSSY_GAIN_PCT 200
static const unsigned wnd_cycle_pct[] = { 125, 75, 100, 100, 100, 100, 100, 100 };
#define WND_CYCLE (sizeof wnd_cycle_pct / sizeof wnd_cycle_pct[0])
#define WND_GROWTH_PCT 125
#define WND_FULL_ROUNDS 3

void wnd_init(struct wnd *w, uint64_t shown, uint64_t now)
{
    w->window = HF_SHOWN_WINDOW;
    w->head = w->n = 0;
    w->rtt_ms = UINT64_MAX;
    w->rtt_at = now;
    w->rate = 0;
    w->rate_at = now;
    w->full_bw = 0;
    w->full_rounds = 0;
    w->full = 0;
    w->cycle = 0;
    w->span_off = shown;
    w->span_ms = now;
    w->shown_ms = 0;
    w->stall_at = 0;
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
    if (now - w->rate_at > WND_FORGET_MS) { /* forgotten: the pipe is probed afresh */
        w->rate = 0;
        w->full_bw = 0;
        w->full_rounds = 0;
        w->full = 0;
    }
    if (rate >= w->rate) {
        w->rate = rate;
        w->rate_at = now;
    }
    if (w->full)
        w->cycle = (w->cycle + 1) % WND_CYCLE;
    else {
        if (rate * 100 >= w->full_bw * WND_GROWTH_PCT) {
            w->full_bw = rate;
            w->full_rounds = 0;
        } else if (++w->full_rounds >= WND_FULL_ROUNDS) {
            w->full = 1;
            w->cycle = 1; /* drain what startup queued first */
        }
    }
    w->span_off = shown;
    w->span_ms = now;
}

void wnd_shown(struct wnd *w, uint64_t shown, uint64_t now)
{
    uint64_t bdp, gain;
    if (w->shown_ms && w->n > 0 && w->rtt_ms != UINT64_MAX &&
        now - w->shown_ms > w->rtt_ms * WND_STALL_PCT / 100 + WND_STALL_SLACK_MS)
        w->stall_at = now;
    w->shown_ms = now;
    wnd_take_rtt(w, shown, now);
    wnd_take_rate(w, shown, now);
    if (w->rtt_ms == UINT64_MAX)
        return;
    bdp = w->rate / 1000 * w->rtt_ms;
    gain = w->full ? wnd_cycle_pct[w->cycle] : WND_STARTUP_GAIN_PCT;
    if (w->stall_at && now - w->stall_at < WND_FORGET_MS && gain < WND_LOSSY_GAIN_PCT)
        gain = WND_LOSSY_GAIN_PCT;
    w->window = bdp * gain / 100;
    if (w->window < HF_SHOWN_WINDOW)
        w->window = HF_SHOWN_WINDOW;
    if (w->window > HF_SHOWN_WINDOW_MAX)
        w->window = HF_SHOWN_WINDOW_MAX;
}
