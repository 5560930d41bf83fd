/* client.h - the client side of the protocol, for the agent's own tools (ls, kill,
 * attach): connect to a session, greet it, read frames. */
#ifndef HF_CLIENT_H
#define HF_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

struct cli_conn {
    int fd;
    uint8_t *buf;      /* received bytes */
    size_t len, cap;
    size_t used;       /* bytes of buf already returned as frames */
    int version;       /* protocol version the session chose (cli_hello) */
};

/* Connects to session `id` (cwd is the sessions directory). A socket nobody listens on
 * (its master died) is removed. Returns 0, or -1 with a message in err. */
int cli_open(struct cli_conn *c, const char *id, char *err, size_t cap);
void cli_close(struct cli_conn *c);
int cli_send(struct cli_conn *c, const struct hf_msg *m);
/* Next frame, waiting at most timeout_ms (-1: forever). 1: frame; 0: the peer closed;
 * -1: error (errno ETIMEDOUT, EPROTO for malformed bytes, or the read error). The frame's
 * data stays valid until the next call. */
int cli_recv(struct cli_conn *c, struct hf_msg *m, int timeout_ms);
/* A whole frame already buffered? Same results as cli_recv, but never reads. */
int cli_parse(struct cli_conn *c, struct hf_msg *m);
/* One read() into the buffer: >0 bytes, 0 EOF, -1 error (EAGAIN passes through). */
int cli_fill(struct cli_conn *c);
/* Sends HELLO and waits for WELCOME (sets c->version). 0, or -1 with a message in err. */
int cli_hello(struct cli_conn *c, char *err, size_t cap);
/* The session's INFO_REPLY JSON (malloc'd), or NULL with a message in err. */
char *cli_info(const char *id, char *err, size_t cap);

#endif
