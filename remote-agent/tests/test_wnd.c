/* test_wnd.c - the SHOWN window follows the path: it stays at the least on a fast
 * loopback, doubles each round trip while it is what limits a long link, settles at the
 * bandwidth-delay product once the link limits (still keeping the link busy), never
 * passes its cap, and forgets a fast past within WND_FORGET_MS. A simulated client:
 * bytes written at `rate` bytes/ms as far as the window allows, each shown `rtt` ms after
 * it was written. */
#include "flow.h"
#include "proto.h"
#include "test.h"
#include "wnd.h"

#define CAP (8u << 20)

/* The simulated client and link: what was written by each of the last 1024 ms. */
struct sim {
    struct wnd w;
    uint64_t now, sent, shown;
    uint64_t wrote_until[1024];
};

static void sim_init(struct sim *s)
{
    unsigned i;
    s->now = 1000;
    s->sent = s->shown = 0;
    for (i = 0; i < 1024; i++)
        s->wrote_until[i] = 0;
    wnd_init(&s->w, 0, s->now);
}

/* flood() on a link that, every `every` ms, delivers nothing for `hold` ms and then all of
 * it at once (TCP recovering a lost packet); 0: never. */
static uint64_t flood_stalling(struct sim *s, uint64_t ms, uint64_t rate, uint64_t rtt,
                               uint64_t every, uint64_t hold);

/* Runs `ms` milliseconds of a flood over a link of `rate` bytes/ms (0: unlimited) and `rtt`
 * ms (< 1024), SHOWN said every millisecond; returns the bytes shown in that time. */
static uint64_t flood(struct sim *s, uint64_t ms, uint64_t rate, uint64_t rtt)
{
    return flood_stalling(s, ms, rate, rtt, 0, 0);
}

static uint64_t flood_stalling(struct sim *s, uint64_t ms, uint64_t rate, uint64_t rtt,
                               uint64_t every, uint64_t hold)
{
    uint64_t t, from = s->shown;
    struct flow_client f;
    for (t = 0; t < ms; t++, s->now++) {
        uint64_t allow, take, was;
        f.end = f.next = s->sent;
        f.shown = s->shown;
        f.by_shown = 1;
        f.window = s->w.window;
        allow = flow_allowance(&f, CAP);
        take = rate && allow > rate ? rate : allow;
        s->sent += take;
        if (take)
            wnd_sent(&s->w, s->sent, s->now);
        s->wrote_until[s->now % 1024] = s->sent;
        was = s->wrote_until[(s->now - rtt) % 1024];
        if (every && t % every < hold)
            continue; /* held by the link's loss recovery */
        if (was > s->shown) {
            s->shown = was;
            wnd_shown(&s->w, s->shown, s->now);
        }
    }
    return s->shown - from;
}

static void test_loopback_keeps_the_least(void)
{
    struct sim s;
    sim_init(&s);
    CHECK(s.w.window == HF_SHOWN_WINDOW);
    /* 1 ms round trip, 50 MB/s: a product of 50 KB, far below the least window */
    CHECK(flood(&s, 2000, 50000, 1) > 90000000);
    CHECK(s.w.window == HF_SHOWN_WINDOW);
}

static void test_long_link_grows_to_twice_the_product(void)
{
    struct sim s;
    uint64_t shown;
    sim_init(&s);
    /* 120 ms, 4 MB/s: the product is 480 KB. While the rate grows, twice that... */
    flood(&s, 500, 4000, 120);
    CHECK(s.w.window > 900000 && s.w.window < 1100000);
    /* ...and once it stopped growing (three samples), about the product itself */
    flood(&s, 500, 4000, 120);
    CHECK(s.w.window > 350000 && s.w.window < 610000);
    /* and the link, not the window, limits: about 4 MB a second shown (the gain cycle's
     * drain round costs a little on a link with no queue to drain), where the fixed
     * window allowed 256 KiB per round trip (2.2 MB/s) */
    shown = flood(&s, 1000, 4000, 120);
    CHECK(shown > 3600000);
}

static void test_window_limited_doubles_each_round_trip(void)
{
    struct sim s;
    sim_init(&s);
    /* 100 ms, unlimited: only the window limits. After 3.5 round trips it has doubled at
     * least twice; after many it is at the cap (then the product of a capped window) */
    flood(&s, 350, 0, 100);
    CHECK(s.w.window >= 4 * HF_SHOWN_WINDOW);
    flood(&s, 3000, 0, 100);
    CHECK(s.w.window >= HF_SHOWN_WINDOW_MAX / 10 * 9 && s.w.window <= HF_SHOWN_WINDOW_MAX);
}

static void test_forgets_a_faster_past(void)
{
    struct sim s;
    sim_init(&s);
    flood(&s, 3000, 4000, 120);
    CHECK(s.w.window > 450000);
    /* the link slows to 250 kB/s (link c's 2 Mbit/s): within the forget time and a few
     * round trips the window is back at the least */
    flood(&s, 12000, 250, 120);
    CHECK(s.w.window == HF_SHOWN_WINDOW);
}

static void test_a_stalling_link_keeps_twice_the_product(void)
{
    struct sim clean, lossy;
    uint64_t clean_shown, lossy_shown;
    sim_init(&clean);
    sim_init(&lossy);
    /* 120 ms, 4 MB/s: settled, the clean link keeps about the product (480 KB) */
    flood(&clean, 2000, 4000, 120);
    CHECK(clean.w.window > 350000 && clean.w.window < 610000);
    /* the same link holding delivery 200 ms every second (a loss and its recovery): the
     * window keeps twice the product, so the pipe is full again at once after a stall */
    flood_stalling(&lossy, 2000, 4000, 120, 1000, 200);
    CHECK(lossy.w.window > 800000);
    lossy_shown = flood_stalling(&lossy, 3000, 4000, 120, 1000, 200);
    clean_shown = flood_stalling(&clean, 3000, 4000, 120, 1000, 200);
    CHECK(lossy_shown >= clean_shown);
    /* and a link that stopped stalling is back at the product within the forget time */
    flood(&lossy, 12000, 4000, 120);
    CHECK(lossy.w.window < 610000);
}

void test_wnd(void)
{
    test_a_stalling_link_keeps_twice_the_product();
    test_loopback_keeps_the_least();
    test_long_link_grows_to_twice_the_product();
    test_window_limited_doubles_each_round_trip();
    test_forgets_a_faster_past();
}
