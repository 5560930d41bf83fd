/* client.c - protocol client helpers for ls, kill and attach (see client.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "statedir.h"
#include "util.h"

#define CLI_TIMEOUT_MS 3000 /* a live master answers in microseconds */

int cli_open(struct cli_conn *c, const char *id, char *err, size_t cap)
{
    memset(c, 0, sizeof *c);
    c->fd = statedir_connect(id);
    if (c->fd >= 0)
        return 0;
    if (errno == ECONNREFUSED) {
        statedir_remove(id);
        snprintf(err, cap, "session %s is gone (its master process died); its files were removed; "
                 "start a new one with: " HF_PROG " new", id);
    } else if (errno == ENOENT) {
        snprintf(err, cap, "no session '%s'; list sessions with: " HF_PROG " ls", id);
    } else {
        snprintf(err, cap, "cannot connect to session %s: %s; check the sessions directory", id,
                 strerror(errno));
    }
    return -1;
}

void cli_close(struct cli_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = c->used = 0;
}

int cli_send(struct cli_conn *c, const struct hf_msg *m)
{
    uint8_t buf[HF_HEADER_LEN + 8 + HF_MAX_DATA];
    size_t n = codec_encode(m, buf, sizeof buf);
    if (n == 0) {
        errno = EINVAL;
        return -1;
    }
    return hf_write_all(c->fd, buf, n);
}

int cli_parse(struct cli_conn *c, struct hf_msg *m)
{
    size_t flen;
    int r;
    if (c->used > 0) {
        memmove(c->buf, c->buf + c->used, c->len - c->used);
        c->len -= c->used;
        c->used = 0;
    }
    r = codec_decode(c->buf, c->len, m, &flen);
    if (r == HF_DEC_OK) {
        c->used = flen;
        return 1;
    }
    if (r < 0) {
        errno = EPROTO;
        return -1;
    }
    if (flen > c->cap || c->cap - c->len < 4096) {
        size_t want = flen > c->cap ? flen : c->cap * 2;
        uint8_t *p;
        if (want < 65536 + 64)
            want = 65536 + 64;
        p = realloc(c->buf, want);
        if (!p) {
            errno = ENOMEM;
            return -1;
        }
        c->buf = p;
        c->cap = want;
    }
    return 0;
}

int cli_fill(struct cli_conn *c)
{
    ssize_t n;
    do
        n = read(c->fd, c->buf + c->len, c->cap - c->len);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        c->len += (size_t)n;
    return (int)n;
}

int cli_recv(struct cli_conn *c, struct hf_msg *m, int timeout_ms)
{
    for (;;) {
        struct pollfd p;
        int r = cli_parse(c, m), k;
        if (r != 0)
            return r;
        p.fd = c->fd;
        p.events = POLLIN;
        k = poll(&p, 1, timeout_ms);
        if (k < 0 && errno == EINTR)
            continue;
        if (k == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        r = cli_fill(c);
        if (r == 0)
            return 0;
        if (r < 0)
            return -1;
    }
}

static void cli_describe_error(const struct hf_msg *m, char *err, size_t cap)
{
    snprintf(err, cap, "the session answered with error %u (%.*s); check it with: " HF_PROG " ls",
             (unsigned)m->code, (int)m->data_len, (const char *)m->data);
}

int cli_hello(struct cli_conn *c, char *err, size_t cap)
{
    struct hf_msg m;
    static const char name[] = HF_PROG "/" HF_VERSION;
    int r;
    memset(&m, 0, sizeof m);
    m.type = MSG_HELLO;
    m.min_version = HF_PROTO_MIN;
    m.max_version = HF_PROTO_MAX;
    m.data = (const uint8_t *)name;
    m.data_len = sizeof name - 1;
    if (cli_send(c, &m) < 0) {
        snprintf(err, cap, "cannot talk to the session: %s; try again", strerror(errno));
        return -1;
    }
    r = cli_recv(c, &m, CLI_TIMEOUT_MS);
    if (r == 1 && m.type == MSG_WELCOME) {
        c->version = m.version;
        return 0;
    }
    if (r == 1 && m.type == MSG_ERROR)
        cli_describe_error(&m, err, cap);
    else if (r == 0)
        snprintf(err, cap, "the session closed the connection during the handshake; try again");
    else
        snprintf(err, cap, "the session did not greet us (%s); its master may be hung",
                 r < 0 ? strerror(errno) : "unexpected frame");
    return -1;
}

char *cli_info(const char *id, char *err, size_t cap)
{
    struct cli_conn c;
    struct hf_msg m;
    char *json = NULL;
    int r;
    if (cli_open(&c, id, err, cap) < 0)
        return NULL;
    if (cli_hello(&c, err, cap) < 0) {
        cli_close(&c);
        return NULL;
    }
    memset(&m, 0, sizeof m);
    m.type = MSG_INFO;
    if (cli_send(&c, &m) < 0) {
        snprintf(err, cap, "cannot talk to session %s: %s; try again", id, strerror(errno));
        cli_close(&c);
        return NULL;
    }
    r = cli_recv(&c, &m, CLI_TIMEOUT_MS);
    if (r == 1 && m.type == MSG_INFO_REPLY) {
        json = malloc(m.data_len + 1);
        if (json) {
            memcpy(json, m.data, m.data_len);
            json[m.data_len] = '\0';
        }
    } else if (r == 1 && m.type == MSG_ERROR) {
        cli_describe_error(&m, err, cap);
    } else {
        snprintf(err, cap, "session %s did not answer INFO; its master may be hung", id);
    }
    cli_close(&c);
    return json;
}
