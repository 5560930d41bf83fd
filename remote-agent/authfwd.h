/* authfwd.h - agent forwarding in the master (PROTOCOL.md "Agent forwarding").
 *
 * A session started with `new --forward-agent` owns a socket for its whole life,
 * sessions/<id>.agent/sock in a directory of mode 0700, and its programs find it in
 * SSH_AUTH_SOCK. Each ssh-agent message a program sends there goes, whole, to the client
 * that said AGENT_READY last (agentrelay.c decides), and the answer comes back the same
 * way; a request waits for a client at most HF_AGENT_WAIT_MS. The socket outlives every
 * client, so a shell started before a reconnect (or inside tmux in the session) keeps a
 * working agent. */
#ifndef HF_AUTHFWD_H
#define HF_AUTHFWD_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

struct master;
struct client;
struct hf_msg;

/* Creates the directory and socket and sets SSH_AUTH_SOCK for the session's command.
 * 0, or -1 with a message naming the cause and the fix in err. */
int afwd_open(struct master *m, char *err, size_t cap);
/* Removes the socket and its directory (the session ends). */
void afwd_close(struct master *m);
/* Removes a dead session's agent socket and directory (named relative to sessions/). */
void afwd_remove_files(const char *id);

/* Fills pollfds for the socket and the programs connected to it (at most
 * 1 + HF_AGENT_MAX_CONNS), lowers *wake to the next request deadline; returns the count. */
int afwd_poll_fill(struct master *m, struct pollfd *pfd, uint64_t *wake);
/* Serves what poll() reported on those `n` entries, and fails requests past their
 * deadline. */
void afwd_poll_done(struct master *m, const struct pollfd *pfd, int n, uint64_t now);

/* mclient.c's hooks. */
void afwd_client_ready(struct master *m, struct client *c);
void afwd_client_reply(struct master *m, const struct hf_msg *in);
void afwd_client_gone(struct master *m, struct client *c);
int afwd_has_frame(const struct master *m, const struct client *c);
/* The next AGENT_REQUEST for `c` into out[cap]; its size, or 0 when none. */
size_t afwd_next_frame(struct master *m, struct client *c, uint8_t *out, size_t cap);

#endif
