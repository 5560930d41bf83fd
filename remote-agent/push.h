/* Resume sockets (protocol 5): a terminal session's master keeps, per client id that
 * attached with version 5, a socket of its own that answers a connection at once with
 * WELCOME, ATTACHED and the output after what that client last said it showed, without
 * waiting for HELLO and ATTACH. A reconnect opens its channel to it behind the login, so
 * sshd sends the output together with the login's answer: one round trip fewer. */
#ifndef HF_PUSH_H
#define HF_PUSH_H

#include <poll.h>
#include <stddef.h>

#include "proto.h"

struct master;
struct client;

#define HF_PUSH_MAX 8 /* resume sockets per session; the oldest goes for a new id */

struct push_sock {
    int fd;                          /* listening, nonblocking; -1: free */
    uint8_t id[HF_CLIENT_ID_LEN];    /* the client id it answers for */
    char path[HF_PUSH_NAME_MAX];     /* relative to the sessions directory (our cwd) */
};

/* The file name of the resume socket of `id` for session `sid`. */
void push_name(const char *sid, const uint8_t *id, char *out, size_t cap);
/* c attached to a terminal session with version 5: make sure its id has a socket. */
void push_offer(struct master *m, const struct client *c);
/* poll() slots for the resume sockets (returns how many it filled)... */
int push_poll_fill(struct master *m, struct pollfd *p);
/* ...and the connections they accepted, each answered as an attach of its id. */
void push_poll_done(struct master *m, const struct pollfd *p, int n);
/* Closes and removes every resume socket (the session ends). */
void push_close_all(struct master *m);
/* Removes the resume sockets a dead master of session `sid` left (cwd: sessions dir). */
void push_remove_files(const char *sid);

#endif
