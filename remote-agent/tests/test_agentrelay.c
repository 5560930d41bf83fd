/* test_agentrelay.c - the forwarded agent's request table: a request goes to the client
 * that said it answers, is sent again to the next one when its link dies or a newer one
 * comes, is answered once, and fails at its deadline instead of waiting forever. */
#include <string.h>

#include "agentrelay.h"
#include "test.h"

static const uint8_t LIST[] = { 11 }; /* SSH_AGENTC_REQUEST_IDENTITIES */

static void relay_sends_a_request_only_to_the_client_that_answers_requests(void)
{
    struct arelay r;
    const struct arelay_req *q;
    arelay_init(&r);
    CHECK(arelay_submit(&r, 3, LIST, sizeof LIST, 1000) == 0);
    CHECK(arelay_next_send(&r, 7) == NULL); /* no carrier yet: the request waits */
    arelay_carrier_ready(&r, 7);
    CHECK(arelay_next_send(&r, 8) == NULL); /* another client never gets it */
    q = arelay_next_send(&r, 7);
    CHECK(q && q->conn == 3 && q->len == 1 && q->msg[0] == 11);
    CHECK(arelay_next_send(&r, 7) == NULL); /* sent once */
    CHECK(q && arelay_reply(&r, q->id) == 3);
    CHECK(!arelay_waiting(&r, 3));
    arelay_free(&r);
}

static void relay_resends_what_a_dead_link_carried_to_the_next_client(void)
{
    struct arelay r;
    const struct arelay_req *q;
    uint32_t id;
    arelay_init(&r);
    arelay_carrier_ready(&r, 1);
    CHECK(arelay_submit(&r, 4, LIST, sizeof LIST, 0) == 0);
    q = arelay_next_send(&r, 1);
    CHECK(q != NULL);
    id = q ? q->id : 0;
    arelay_carrier_gone(&r, 1);
    CHECK(arelay_next_send(&r, 1) == NULL);
    arelay_carrier_ready(&r, 2);
    q = arelay_next_send(&r, 2);
    CHECK(q && q->id == id); /* the same request, the same id */
    CHECK(arelay_reply(&r, id) == 4);
    CHECK(arelay_reply(&r, id) == -1); /* a late answer from elsewhere is dropped */
    arelay_free(&r);
}

static void relay_resends_to_a_newer_client_while_the_old_link_is_half_open(void)
{
    struct arelay r;
    const struct arelay_req *q;
    arelay_init(&r);
    arelay_carrier_ready(&r, 1);
    CHECK(arelay_submit(&r, 5, LIST, sizeof LIST, 0) == 0);
    CHECK(arelay_next_send(&r, 1) != NULL); /* into a black hole */
    arelay_carrier_ready(&r, 2);            /* the reconnected client */
    q = arelay_next_send(&r, 2);
    CHECK(q && q->conn == 5);
    CHECK(arelay_next_send(&r, 1) == NULL);
    arelay_free(&r);
}

static void relay_fails_a_request_at_its_deadline_and_not_before(void)
{
    struct arelay r;
    arelay_init(&r);
    CHECK(arelay_submit(&r, 6, LIST, sizeof LIST, 1000) == 0);
    CHECK(arelay_next_deadline(&r) == 1000 + HF_AGENT_WAIT_MS);
    CHECK(arelay_expire(&r, 1000 + HF_AGENT_WAIT_MS - 1) == -1);
    CHECK(arelay_expire(&r, 1000 + HF_AGENT_WAIT_MS) == 6);
    CHECK(arelay_next_deadline(&r) == UINT64_MAX);
    CHECK(arelay_expire(&r, UINT64_MAX - 1) == -1);
    arelay_free(&r);
}

static void relay_drops_the_request_of_a_program_that_hung_up(void)
{
    struct arelay r;
    const struct arelay_req *q;
    arelay_init(&r);
    arelay_carrier_ready(&r, 9);
    CHECK(arelay_submit(&r, 2, LIST, sizeof LIST, 0) == 0);
    q = arelay_next_send(&r, 9);
    CHECK(q != NULL);
    if (q) {
        uint32_t id = q->id;
        arelay_cancel(&r, 2);
        CHECK(arelay_reply(&r, id) == -1);
    }
    arelay_free(&r);
}

static void relay_holds_at_most_one_request_per_connection_slot(void)
{
    struct arelay r;
    int i, ok = 1;
    arelay_init(&r);
    for (i = 0; i < HF_AGENT_MAX_CONNS; i++)
        ok &= arelay_submit(&r, i, LIST, sizeof LIST, 0) == 0;
    CHECK(ok);
    CHECK(arelay_submit(&r, 99, LIST, sizeof LIST, 0) == -1);
    arelay_free(&r);
}

static void relay_reads_bounded_agent_messages(void)
{
    uint8_t b[8] = { 0, 0, 0, 1, 11, 0, 0, 0 };
    size_t need;
    CHECK(arelay_message_len(b, 3, &need) == 0 && need == 0);
    CHECK(arelay_message_len(b, 4, &need) == 0 && need == 5);
    CHECK(arelay_message_len(b, 5, &need) == 5);
    b[3] = 0; /* length 0: no such message */
    CHECK(arelay_message_len(b, 5, &need) == -1);
    arelay_put_len(b, HF_AGENT_MAX_MSG);
    CHECK(arelay_message_len(b, 4, &need) == 0 && need == 4 + HF_AGENT_MAX_MSG);
    arelay_put_len(b, HF_AGENT_MAX_MSG + 1);
    CHECK(arelay_message_len(b, 4, &need) == -1);
}

void test_agentrelay(void)
{
    relay_sends_a_request_only_to_the_client_that_answers_requests();
    relay_resends_what_a_dead_link_carried_to_the_next_client();
    relay_resends_to_a_newer_client_while_the_old_link_is_half_open();
    relay_fails_a_request_at_its_deadline_and_not_before();
    relay_drops_the_request_of_a_program_that_hung_up();
    relay_holds_at_most_one_request_per_connection_slot();
    relay_reads_bounded_agent_messages();
}
