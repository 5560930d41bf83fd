/* agentrelay.h - the forwarded agent's request table (PROTOCOL.md "Agent forwarding"):
 * which request goes to which client, what a reply answers, what has waited too long.
 *
 * Pure: no I/O, time is an argument. Local programs (ssh, ssh-add, git) and clients are
 * handles the caller chooses: a local connection is an int, a client a non-zero serial.
 * Each request is a whole ssh-agent message, so one sent over a link that died can be
 * sent again to the next client (agent requests are safe to repeat: listing keys and
 * signing change nothing); the first reply wins, later ones are dropped by id. */
#ifndef HF_AGENTRELAY_H
#define HF_AGENTRELAY_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define HF_AGENT_LEN_BYTES 4   /* an ssh-agent message: u32 length, then the body */
#define HF_SSH_AGENT_FAILURE 5 /* the agent protocol's generic failure reply */

struct arelay_req {
    int used;
    uint32_t id;        /* on the wire, in AGENT_REQUEST and AGENT_REPLY */
    int conn;           /* the local connection waiting for the answer */
    uint8_t *msg;       /* the request body (malloc'd), without its length */
    size_t len;
    uint64_t deadline;  /* answered SSH_AGENT_FAILURE at this time (ms) */
    uint64_t sent_to;   /* serial of the client it was last sent to; 0: not sent */
};

struct arelay {
    struct arelay_req req[HF_AGENT_MAX_CONNS]; /* one request per local connection */
    uint32_t next_id;
    uint64_t carrier;   /* the client that answers requests now; 0: none */
};

void arelay_init(struct arelay *r);
void arelay_free(struct arelay *r);

/* A local connection asks `msg` (copied). Returns 0, or -1 (no memory, table full). */
int arelay_submit(struct arelay *r, int conn, const uint8_t *msg, size_t len, uint64_t now);

/* Client `serial` says it answers requests: it becomes the carrier, and every request not
 * answered yet is (re)sent to it, wherever it went before (that link may be half-open). */
void arelay_carrier_ready(struct arelay *r, uint64_t serial);

/* Client `serial` is gone: what it was sent waits for the next carrier. */
void arelay_carrier_gone(struct arelay *r, uint64_t serial);

/* The next request to send to client `serial` (only the carrier gets any), marked sent;
 * NULL when none. */
const struct arelay_req *arelay_next_send(struct arelay *r, uint64_t serial);

/* Whether arelay_next_send(r, serial) would return a request. */
int arelay_has_send(const struct arelay *r, uint64_t serial);

/* A reply to request `id`: returns the local connection to answer (the request is done),
 * or -1 when no request has that id (answered already, expired, or never asked). */
int arelay_reply(struct arelay *r, uint32_t id);

/* A request whose deadline has passed at `now`: returns its local connection (the
 * request is done; the caller answers SSH_AGENT_FAILURE), or -1 when none. */
int arelay_expire(struct arelay *r, uint64_t now);

/* When the next request expires (UINT64_MAX: none waiting). */
uint64_t arelay_next_deadline(const struct arelay *r);

/* The local connection went away: its request, if any, is dropped. */
void arelay_cancel(struct arelay *r, int conn);

/* Whether connection `conn` has a request waiting. */
int arelay_waiting(const struct arelay *r, int conn);

/* Reading a local program's message: how many bytes of `buf` (n so far) make one whole
 * message. Returns 0 while the length is not known yet or the message is incomplete
 * (*need: the total it will take, once known), the total when complete, -1 when the
 * length is 0 or above HF_AGENT_MAX_MSG. */
long arelay_message_len(const uint8_t *buf, size_t n, size_t *need);

/* Writes the ssh-agent framing of `len` body bytes (u32 length) into out[4]. */
void arelay_put_len(uint8_t *out, size_t len);

#endif
