/* test_flow.c - the read allowance: a version 3 client holds the PTY back once the window
 * past what it has shown is read, and lets it go as SHOWN comes; version 2 keeps the
 * window of unsent bytes only. */
#include "flow.h"
#include "proto.h"
#include "test.h"

#define CAP (8u << 20) /* the default ring */

static void test_shown_window(void)
{
    struct flow_client c = { 0, 0, 0, 1, 0 };
    /* nothing read yet: a window's worth may be read, no more */
    CHECK(flow_allowance(&c, CAP) == HF_SHOWN_WINDOW);
    /* all of it read and sent, none shown: held, however fast the socket took it */
    c.end = c.next = HF_SHOWN_WINDOW;
    CHECK(flow_allowance(&c, CAP) == 0);
    /* SHOWN for a quarter: that much more */
    c.shown = HF_SHOWN_WINDOW / 4;
    CHECK(flow_allowance(&c, CAP) == HF_SHOWN_WINDOW / 4);
    /* shown everything: a whole window again */
    c.shown = c.end;
    CHECK(flow_allowance(&c, CAP) == HF_SHOWN_WINDOW);
    /* a small ring bounds the window */
    c.shown = c.next = c.end = 100;
    CHECK(flow_allowance(&c, 4096) == 4096);
    c.end = 100 + 4096;
    CHECK(flow_allowance(&c, 4096) == 0);
}

/* Pipes: the ring only ever holds what no client has acknowledged; reading stops when it
 * is full of such bytes, however long nobody comes, and resumes as acknowledgements come. */
static void test_pipes_never_overwrite(void)
{
    CHECK(flow_pipes_allowance(0, 0, CAP) == CAP);
    CHECK(flow_pipes_allowance(CAP, 0, CAP) == 0);
    CHECK(flow_pipes_allowance(CAP + 5, 5, CAP) == 0);
    CHECK(flow_pipes_allowance(CAP, 4096, CAP) == 4096);
    CHECK(flow_pipes_allowance(3 * CAP, 3 * CAP, CAP) == CAP);
    /* an acknowledgement cannot run ahead of the output; if it did, nothing is held */
    CHECK(flow_pipes_allowance(10, 20, CAP) == CAP);
}

static void test_version2_unchanged(void)
{
    struct flow_client c = { 0, 0, 0, 0, 0 };
    /* sent but not shown counts for nothing: the ring's room, up to the unsent window */
    c.end = c.next = 5u << 20;
    CHECK(flow_allowance(&c, CAP) == CAP);
    c.next = c.end - (HF_WINDOW - 1);
    CHECK(flow_allowance(&c, CAP) == CAP - (HF_WINDOW - 1));
    c.next = c.end - HF_WINDOW;
    CHECK(flow_allowance(&c, CAP) == 0);
}

/* Unsent bytes still bound a version 3 client (the ring must not overwrite them). */
static void test_version3_unsent(void)
{
    struct flow_client c = { 0, 0, 0, 1, 0 };
    c.end = 1000;
    c.next = 0;
    c.shown = 0;
    CHECK(flow_allowance(&c, 1500) == 500);
}

void test_flow(void)
{
    test_shown_window();
    test_version2_unchanged();
    test_pipes_never_overwrite();
    test_version3_unsent();
}
