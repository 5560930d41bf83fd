/* mclient.c - one client of the master: handshake, frames in, frames out.
 *
 * A client's output queue is just `next`, an offset into the ring: nothing is copied
 * until a frame cannot be written whole, and then only that frame's rest goes to `tx`.
 * Control frames (WELCOME, ATTACHED, ACK, PONG, EXIT) wait in a small queue, each tagged
 * with the output offset it must follow. Every peer byte is distrusted: bad frames get
 * ERROR(PROTOCOL) and the client is dropped; the session never notices. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "authfwd.h"
#include "codec.h"
#include "master.h"
#include "statedir.h"

#define MC_BLOCKED 1 /* mclient_frame: INPUT must wait for room; keep the frame */

struct client *mclient_new(int fd)
{
    static uint64_t serials;
    struct client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->rx = malloc(HF_RX_CAP);
    c->tx = malloc(HF_TX_CAP);
    if (!c->rx || !c->tx) {
        free(c->rx);
        free(c->tx);
        free(c);
        return NULL;
    }
    c->fd = c->wfd = fd;
    c->bridge = -1;
    c->serial = ++serials;
    c->dedup = -1;
    c->state = CL_NEW;
    c->progress_ms = c->heard_ms = hf_now_ms();
    c->greet_deadline = c->progress_ms + HF_HELLO_TIMEOUT_MS;
    return c;
}

void mclient_free(struct master *m, struct client *c)
{
    int i;
    afwd_client_gone(m, c);
    if (c->dedup >= 0)
        dedup_detach(&m->dedup, c->dedup);
    if (c->bridge >= 0) {
        /* pipes keep what was written for their reader (sshd): nothing to linger for */
        close(c->fd);
        if (c->wfd != c->fd)
            close(c->wfd);
        close(c->bridge); /* the bridge waits for this, then exits */
    } else {
        linger_close(m, c->fd, hf_now_ms());
    }
    for (i = 0; i < c->npassed; i++)
        close(c->passed[i]);
    free(c->rx);
    free(c->tx);
    free(c);
}

size_t mclient_error_frame(uint8_t *out, size_t cap, uint16_t code, const char *text)
{
    struct hf_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.type = MSG_ERROR;
    msg.code = code;
    msg.data = (const uint8_t *)text;
    msg.data_len = strlen(text);
    return codec_encode(&msg, out, cap);
}

/* Writes all of p, or fails: only for the last words to a client being dropped. */
static int mc_write_last(int fd, const uint8_t *p, size_t n)
{
    ssize_t k = write(fd, p, n);
    return k >= 0 && (size_t)k == n ? 0 : -1;
}

/* Best effort, never blocking: finish a partly written frame and the control frames
 * already due (WELCOME, ACKs), then send ERROR. The caller closes the connection. */
void mclient_fail(struct client *c, uint16_t code, const char *text)
{
    uint8_t frame[300];
    size_t n;
    if (c->tx_off < c->tx_len && mc_write_last(c->wfd, c->tx + c->tx_off, c->tx_len - c->tx_off) < 0)
        return;
    c->tx_off = c->tx_len = 0;
    while (c->ctl_n > 0 && c->ctl[c->ctl_head].after <= c->next) {
        struct ctl_frame *f = &c->ctl[c->ctl_head];
        if (mc_write_last(c->wfd, f->buf, f->len) < 0)
            return;
        c->ctl_head = (c->ctl_head + 1) % HF_CTL_SLOTS;
        c->ctl_n--;
    }
    n = mclient_error_frame(frame, sizeof frame, code, text);
    if (n > 0 && write(c->wfd, frame, n) < 0) {
        /* the peer is gone or full; it is being dropped either way */
    }
}

int mclient_protocol_error(struct client *c, const char *fmt, ...)
{
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    mclient_fail(c, HF_ERR_PROTOCOL, text);
    return -1;
}

void mclient_queue(struct master *m, struct client *c, const uint8_t *frame, size_t n,
                   uint64_t after)
{
    struct ctl_frame *f;
    (void)m;
    if (n > HF_CTL_BYTES)
        return; /* our bug: every control frame is small */
    if (frame[0] == MSG_ACK && c->ctl_n > 0) {
        /* ACK is cumulative: update a queued one instead of queueing another */
        f = &c->ctl[(c->ctl_head + c->ctl_n - 1) % HF_CTL_SLOTS];
        if (f->buf[0] == MSG_ACK) {
            memcpy(f->buf, frame, n);
            return;
        }
    }
    if (c->ctl_n == HF_CTL_SLOTS) {
        c->doomed = 1; /* e.g. PINGs sent without reading the PONGs */
        return;
    }
    f = &c->ctl[(c->ctl_head + c->ctl_n) % HF_CTL_SLOTS];
    memcpy(f->buf, frame, n);
    f->len = (uint8_t)n;
    f->after = after;
    c->ctl_n++;
}

void mclient_queue_msg(struct master *m, struct client *c, struct hf_msg *msg,
                       uint64_t after)
{
    uint8_t buf[HF_CTL_BYTES];
    size_t n = codec_encode(msg, buf, sizeof buf);
    if (n > 0)
        mclient_queue(m, c, buf, n, after);
}

void mclient_queue_exit(struct master *m, struct client *c)
{
    struct hf_msg msg;
    if (c->exit_queued)
        return;
    if (c->pipes) {
        mpipes_queue_exit(m, c);
        return;
    }
    memset(&msg, 0, sizeof msg);
    msg.type = MSG_EXIT;
    msg.end_offset = m->ring.end;
    msg.status = m->status;
    mclient_queue_msg(m, c, &msg, m->ring.end);
    c->exit_queued = 1;
}

int mclient_attached_count(const struct master *m)
{
    int i, n = 0;
    for (i = 0; i < m->nclients; i++)
        if (m->clients[i] && m->clients[i]->state == CL_ATTACHED)
            n++;
    return n;
}

/* The name may have changed since the session started (`rename` rewrites the metadata
 * file, the one place names live): read it when asked, as the rest of INFO is. */
static void mc_refresh_name(struct master *m)
{
    struct hf_meta meta;
    if (meta_read(m->id, &meta) == 0)
        snprintf(m->name, sizeof m->name, "%s", meta.name);
}

static void mc_info_json(struct master *m, struct hf_str *out)
{
    mc_refresh_name(m);
    str_adds(out, "{\"id\":");
    str_add_json(out, m->id);
    str_adds(out, ",\"name\":");
    str_add_json(out, m->name);
    str_adds(out, ",\"command\":");
    str_add_json(out, m->command);
    str_addf(out, ",\"pid\":%ld,\"created\":", (long)m->pid);
    str_add_json(out, m->created);
    str_addf(out, ",\"attached\":%d,\"state\":", mclient_attached_count(m));
    /* pipes: over once the command is, even while its output waits to be collected */
    if (m->exited || (m->pipes && m->child_done)) {
        char st[32];
        snprintf(st, sizeof st, "exited %d", m->status);
        str_add_json(out, st);
    } else {
        str_add_json(out, "running");
    }
    minfo_add_live(m, out, hf_now_ms());
    if (m->pipes)
        str_adds(out, ",\"pipes\":true");
    str_adds(out, "}");
}

/* Tells the client that every INPUT up to `seq` is applied, unless it knows already: the
 * ACKs a client sees only ever grow (ATTACHED counts input accepted into the queue, the
 * queue's ACKs come as it is written, which may be later). */
void mclient_ack(struct master *m, struct client *c, uint64_t seq)
{
    struct hf_msg msg;
    if (seq <= c->acked)
        return;
    c->acked = seq;
    memset(&msg, 0, sizeof msg);
    msg.type = MSG_ACK;
    msg.seq = seq;
    mclient_queue_msg(m, c, &msg, c->next);
}

void mclient_ack_written(void *ctx, int slot, uint64_t seq)
{
    struct master *m = ctx;
    int i;
    m->dedup.s[slot].written = seq;
    if (m->pipes)
        return;
    for (i = 0; i < m->nclients; i++) {
        struct client *c = m->clients[i];
        if (c && c->state == CL_ATTACHED && c->dedup == slot)
            mclient_ack(m, c, seq);
    }
}

int mclient_is_live(const struct master *m, const struct client *c, uint64_t now)
{
    if (c->version >= 2) /* its keepalives say so; input we have not read yet counts too */
        return now - c->heard_ms < HF_LIVE_LIMIT_MS || c->rx_blocked;
    /* version 1: a client that takes nothing while output waits may be a half-open link */
    return (m->ring.end == c->next && c->tx_off == c->tx_len) ||
           now - c->progress_ms < HF_STALL_MS;
}

uint64_t mclient_live_until(const struct client *c)
{
    if (c->version >= 2)
        return c->rx_blocked ? UINT64_MAX : c->heard_ms + HF_LIVE_LIMIT_MS;
    return c->progress_ms + HF_STALL_MS;
}

static int mc_hello(struct master *m, struct client *c, const struct hf_msg *in)
{
    struct hf_msg msg;
    static const char agent[] = HF_PROG " " HF_VERSION;
    if (in->min_version > in->max_version || in->min_version > HF_PROTO_MAX ||
        in->max_version < HF_PROTO_MIN) {
        char text[120];
        snprintf(text, sizeof text, "agent speaks versions %d..%d, client speaks %u..%u",
                 HF_PROTO_MIN, HF_PROTO_MAX, (unsigned)in->min_version,
                 (unsigned)in->max_version);
        mclient_fail(c, HF_ERR_VERSION, text);
        return -1;
    }
    memset(&msg, 0, sizeof msg);
    msg.type = MSG_WELCOME;
    msg.version = in->max_version < HF_PROTO_MAX ? in->max_version : HF_PROTO_MAX;
    c->version = msg.version;
    msg.data = (const uint8_t *)agent;
    msg.data_len = sizeof agent - 1;
    mclient_queue_msg(m, c, &msg, 0);
    c->state = CL_WELCOMED;
    return 0;
}

/* The dedup slot for an attaching client, or -1 after answering it with an ERROR.
 * Version 2 says the highest INPUT seq it ever sent with this id (`sent`): when the agent
 * no longer remembers the id (forgotten while idle, after HF_DEDUP_SLOTS others came),
 * the client must be told, neither resend blindly (a keystroke could apply twice) nor
 * have its next seq refused forever: INPUT_LOST, and it attaches again with a new id. */
static int mc_attach_slot(struct master *m, struct client *c, const uint8_t *id, uint64_t sent)
{
    char text[200];
    int slot = dedup_lookup(&m->dedup, id);
    if (slot < 0 && sent > 0) {
        snprintf(text, sizeof text,
                 "this session no longer remembers the input of this client id (it sent up to "
                 "INPUT seq %llu); attach with a new client id",
                 (unsigned long long)sent);
        mclient_fail(c, HF_ERR_INPUT_LOST, text);
        return -1;
    }
    if (slot < 0)
        slot = dedup_claim(&m->dedup, id);
    if (slot < 0) {
        snprintf(text, sizeof text, "too many clients have input waiting for the session's "
                 "program (limit %d); retry once it reads its input", HF_DEDUP_SLOTS);
        mclient_fail(c, HF_ERR_BUSY, text);
    }
    return slot;
}

/* Where a TAIL attach starts: at most `tail` bytes before the end, moved on to just after
 * the next newline (within HF_TAIL_ALIGN_MAX) so the replay does not begin inside a line
 * or an escape sequence. The whole ring when it holds less than that. */
static uint64_t mc_tail_start(const struct master *m, uint64_t tail)
{
    uint64_t start = m->ring.end - m->ring.start > tail ? m->ring.end - tail : m->ring.start;
    uint64_t off = start, limit = start + HF_TAIL_ALIGN_MAX;
    if (start == m->ring.start)
        return start;
    while (off < m->ring.end && off < limit) {
        const uint8_t *p, *nl;
        size_t n = ring_peek(&m->ring, off, (size_t)(limit - off), &p);
        if (n == 0)
            break;
        nl = memchr(p, '\n', n);
        if (nl)
            return off + (uint64_t)(nl - p) + 1;
        off += n;
    }
    return start;
}

/* Where c's client id resumes on its resume socket (push.h): the most it said it has. */
static void mc_said_shown(struct master *m, const struct client *c)
{
    if (c->shown > m->dedup.s[c->dedup].shown)
        m->dedup.s[c->dedup].shown = c->shown;
}

static int mc_attach(struct master *m, struct client *c, const struct hf_msg *in)
{
    struct hf_msg msg;
    if (in->type == MSG_ATTACH_PIPES && m->pipes)
        return mpipes_attach(m, c, in);
    if (in->type == MSG_ATTACH_PIPES && (in->flags & ~HF_ATTACH_PIPES_FLAGS_ALL))
        return mclient_protocol_error(c, "ATTACH_PIPES flags 0x%02x has unknown bits",
                                      (unsigned)in->flags);
    /* ATTACH_PIPES to a terminal session attaches to the terminal (answered ATTACHED) */
    if (in->type != MSG_ATTACH_PIPES) {
        unsigned allowed = c->version >= 4 ? HF_ATTACH_FLAGS_V4 : HF_ATTACH_FLAGS_ALL;
        if (in->flags & ~allowed)
            return mclient_protocol_error(c, "ATTACH flags 0x%02x has unknown bits",
                                          (unsigned)in->flags);
        if ((in->flags & HF_ATTACH_TAIL) && (in->flags & HF_ATTACH_FROM_END))
            return mclient_protocol_error(c, "ATTACH flags TAIL and FROM_END together");
    }
    if (mclient_attached_count(m) >= HF_MAX_CLIENTS) {
        mclient_fail(c, HF_ERR_BUSY, "too many clients attached (limit 64); detach one");
        return -1;
    }
    if ((in->type == MSG_ATTACH_PIPES || !(in->flags & (HF_ATTACH_FROM_END | HF_ATTACH_TAIL))) &&
        in->offset > m->ring.end) {
        char text[120];
        snprintf(text, sizeof text, "offset %llu is beyond the end of output (%llu)",
                 (unsigned long long)in->offset, (unsigned long long)m->ring.end);
        mclient_fail(c, HF_ERR_OFFSET, text);
        return -1;
    }
    c->dedup = mc_attach_slot(m, c, in->client_id, in->input_sent);
    if (c->dedup < 0)
        return -1;
    dedup_attach(&m->dedup, c->dedup);
    c->next = in->type != MSG_ATTACH_PIPES && (in->flags & HF_ATTACH_FROM_END) ? m->ring.end
                                                                              : in->offset;
    c->floor = 0;
    if (in->type != MSG_ATTACH_PIPES && (in->flags & HF_ATTACH_TAIL)) {
        /* It has nothing yet; what comes before the tail reaches it as one GAP. */
        c->next = 0;
        c->floor = mc_tail_start(m, in->offset);
    }
    c->shown = c->floor > c->next ? c->floor : c->next; /* nothing after is shown yet */
    if (in->type != MSG_ATTACH_PIPES)
        mc_said_shown(m, c);
    wnd_init(&c->wnd, c->shown, hf_now_ms());
    c->acked = m->dedup.s[c->dedup].applied;
    memset(&msg, 0, sizeof msg);
    msg.type = MSG_ATTACHED;
    msg.input_acked = c->acked;
    msg.ring_start = m->ring.start;
    msg.end_offset = m->ring.end;
    msg.cols = m->cols;
    msg.rows = m->rows;
    msg.pid = (uint32_t)m->pid;
    mclient_queue_msg(m, c, &msg, c->next);
    c->state = CL_ATTACHED;
    c->progress_ms = c->heard_ms = hf_now_ms();
    if (in->type != MSG_ATTACH_PIPES && (in->flags & HF_ATTACH_REDRAW) && !m->exited)
        c->redraw = 1;
    if (m->exited)
        mclient_queue_exit(m, c);
    else
        push_offer(m, c);
    return 0;
}

int mclient_push_attach(struct master *m, struct client *c, const uint8_t *id)
{
    struct hf_msg in;
    int slot = dedup_lookup(&m->dedup, id);
    memset(&in, 0, sizeof in);
    in.type = MSG_HELLO;
    in.min_version = in.max_version = HF_PROTO_PUSH;
    if (slot < 0 || mc_hello(m, c, &in) < 0)
        return -1;
    memset(&in, 0, sizeof in);
    in.type = MSG_ATTACH_V2;
    memcpy(in.client_id, id, HF_CLIENT_ID_LEN);
    in.offset = m->dedup.s[slot].shown < m->ring.end ? m->dedup.s[slot].shown : m->ring.end;
    return mc_attach(m, c, &in);
}

static int mc_input(struct master *m, struct client *c, const struct hf_msg *in)
{
    struct dedup_slot *d = &m->dedup.s[c->dedup];
    if (!mclient_input_open(m))
        return 0; /* nothing reaches the PTY after its end (pipes: stdin closed) */
    if (in->seq <= d->applied) {
        if (in->seq <= d->written)
            mclient_ack(m, c, d->written);
        return 0; /* a duplicate; one still queued is acknowledged when written */
    }
    if (in->seq != d->applied + 1 && d->applied == 0) {
        /* a client that typed before, into an id this session forgot (version 1 has no
         * way to say so at ATTACH) */
        char text[200];
        snprintf(text, sizeof text,
                 "INPUT seq %llu, but this session no longer remembers any input of this client "
                 "id; attach with a new client id", (unsigned long long)in->seq);
        mclient_fail(c, HF_ERR_INPUT_LOST, text);
        return -1;
    }
    if (in->seq != d->applied + 1)
        return mclient_protocol_error(c, "INPUT seq %llu follows %llu: sequence numbers skip",
                                 (unsigned long long)in->seq,
                                 (unsigned long long)d->applied);
    if (!inq_room(&m->inq, in->data_len))
        return MC_BLOCKED;
    if (inq_push(&m->inq, c->dedup, in->seq, in->data, in->data_len) == 0)
        d->applied = in->seq;
    return 0;
}

int mclient_input_open(const struct master *m)
{
    if (m->exited)
        return 0;
    return m->pipes ? m->in_fd >= 0 && m->eof_slot < 0 : !m->pty_done;
}

static int mc_attached_frame(struct master *m, struct client *c, const struct hf_msg *in)
{
    struct hf_msg msg;
    int sig;
    switch (in->type) {
    case MSG_INPUT: return mc_input(m, c, in);
    case MSG_RESIZE:
        if (in->cols < 1 || in->cols > HF_MAX_WINSIZE || in->rows < 1 ||
            in->rows > HF_MAX_WINSIZE)
            return mclient_protocol_error(c, "RESIZE %ux%u is outside 1..4096", (unsigned)in->cols,
                                     (unsigned)in->rows);
        if (!m->exited)
            pty_resize(m, in->cols, in->rows);
        return 0;
    case MSG_SIGNAL:
        sig = codec_wire_signal(in->signal);
        if (!sig)
            return mclient_protocol_error(c, "SIGNAL %u is not in the protocol's table",
                                     (unsigned)in->signal);
        if (!m->exited)
            pty_signal(m, sig);
        return 0;
    case MSG_DETACH: return -1;
    case MSG_KEEPALIVE: return 0; /* a sign of life: heard_ms is set on every read */
    case MSG_SHOWN:
        if (in->offset > c->next)
            return mclient_protocol_error(c, "SHOWN offset %llu is beyond the output sent (%llu)",
                                     (unsigned long long)in->offset,
                                     (unsigned long long)c->next);
        if (in->offset > c->shown) { /* a lower one (from before a reattach) says nothing new */
            c->shown = in->offset;
            mc_said_shown(m, c);
            wnd_shown(&c->wnd, c->shown, hf_now_ms());
        }
        return 0;
    case MSG_AGENT_READY: afwd_client_ready(m, c); return 0;
    case MSG_AGENT_REPLY: afwd_client_reply(m, in); return 0;
    case MSG_PIPES_SHOWN: return mpipes_shown(m, c, in);
    case MSG_INPUT_EOF: return mpipes_input_eof(m, c, in);
    case MSG_PING:
        memset(&msg, 0, sizeof msg);
        msg.type = MSG_PONG;
        msg.token = in->token;
        mclient_queue_msg(m, c, &msg, m->ring.end);
        return 0;
    default:
        return mclient_protocol_error(c, "frame type 0x%02x is not allowed after ATTACH",
                                 (unsigned)in->type);
    }
}

/* Whether a client frame type exists in the agreed version: ATTACH is version 1's,
 * ATTACH_V2 and KEEPALIVE version 2's, SHOWN version 3's, the pipes and AGENT_* frames
 * version 4's. */
static int mc_type_in_version(uint8_t type, int version)
{
    if (type == MSG_ATTACH_PIPES || type == MSG_PIPES_SHOWN || type == MSG_INPUT_EOF)
        return version >= 4;
    if (type == MSG_ATTACH)
        return version < 2;
    if (type == MSG_ATTACH_V2 || type == MSG_KEEPALIVE)
        return version >= 2;
    if (type == MSG_SHOWN)
        return version >= 3;
    if (type == MSG_AGENT_READY || type == MSG_AGENT_REPLY)
        return version >= 4;
    return 1;
}

static int mc_frame(struct master *m, struct client *c, const struct hf_msg *in)
{
    if (c->state != CL_NEW && !mc_type_in_version(in->type, c->version))
        return mclient_protocol_error(c, "frame type 0x%02x does not exist in protocol version %d",
                                 (unsigned)in->type, c->version);
    switch (c->state) {
    case CL_NEW:
        if (in->type != MSG_HELLO)
            return mclient_protocol_error(c, "expected HELLO first, got type 0x%02x",
                                     (unsigned)in->type);
        return mc_hello(m, c, in);
    case CL_WELCOMED:
        if (in->type == MSG_ATTACH || in->type == MSG_ATTACH_V2 || in->type == MSG_ATTACH_PIPES)
            return mc_attach(m, c, in);
        if (in->type == MSG_INFO) {
            c->info_pending = 1;
            c->state = CL_CLOSING;
            c->close_when_flushed = 1;
            return 0;
        }
        return mclient_protocol_error(c, "expected ATTACH or INFO after HELLO, got type 0x%02x",
                                 (unsigned)in->type);
    case CL_ATTACHED: return mc_attached_frame(m, c, in);
    default: return 0;
    }
}

/* `bridge` handed over its stdin and stdout (MSG_ADOPT with SCM_RIGHTS): the client's
 * frames are read from the one and ours written to the other, straight between sshd and
 * us; the connection that brought them only stays open to keep the bridge waiting. */
static int mc_adopt(struct client *c, size_t pos)
{
    uint8_t reply[HF_HEADER_LEN];
    if (pos != 0 || c->rx_len != HF_HEADER_LEN || codec_get_u32(c->rx + 1) != 0 ||
        c->npassed != 2)
        return mclient_protocol_error(c, "ADOPT comes first and alone, with two descriptors");
    codec_put_header(reply, MSG_ADOPTED, 0);
    if (write(c->fd, reply, sizeof reply) != (ssize_t)sizeof reply)
        return -1;
    c->bridge = c->fd;
    c->fd = c->passed[0];
    c->wfd = c->passed[1];
    c->npassed = 0;
    hf_set_nonblock(c->fd, 1);
    hf_set_nonblock(c->wfd, 1);
    c->rx_len = 0;
    return 0;
}

int mclient_process(struct master *m, struct client *c)
{
    size_t pos = 0;
    int rc = 0;
    c->rx_blocked = 0;
    while (c->state != CL_CLOSING) {
        struct hf_msg msg;
        size_t flen;
        int r;
        if (c->state == CL_NEW && c->bridge < 0 && c->rx_len - pos >= HF_HEADER_LEN &&
            c->rx[pos] == MSG_ADOPT) {
            rc = mc_adopt(c, pos);
            pos = 0;
            break;
        }
        if (c->rx_len - pos >= HF_HEADER_LEN && !codec_is_client_type(c->rx[pos])) {
            rc = mclient_protocol_error(c, "frame type 0x%02x is not a client frame",
                                   (unsigned)c->rx[pos]);
            break;
        }
        r = codec_decode(c->rx + pos, c->rx_len - pos, &msg, &flen);
        if (r == HF_DEC_MORE)
            break;
        if (r < 0) {
            uint32_t len = codec_get_u32(c->rx + pos + 1);
            rc = mclient_protocol_error(c, "frame type 0x%02x with a payload of %lu bytes is malformed",
                                   (unsigned)c->rx[pos], (unsigned long)len);
            break;
        }
        r = mc_frame(m, c, &msg);
        if (r == MC_BLOCKED) {
            c->rx_blocked = 1;
            break;
        }
        if (r < 0 || c->doomed) {
            rc = -1;
            break;
        }
        pos += flen;
    }
    if (rc == 0 && pos > 0) {
        memmove(c->rx, c->rx + pos, c->rx_len - pos);
        c->rx_len -= pos;
    }
    return rc;
}

/* read(), and on a connection still greeting, the descriptors a bridge sends with ADOPT
 * (kept in `passed` until the frame is parsed; more than two are closed). */
static ssize_t mc_read(struct client *c, uint8_t *p, size_t n)
{
    size_t got;
    ssize_t k;
    if (c->state != CL_NEW || c->bridge >= 0)
        return read(c->fd, p, n);
    k = hf_recv_fds(c->fd, p, n, c->passed + c->npassed, 2 - (size_t)c->npassed, &got);
    c->npassed += (int)got;
    return k;
}

int mclient_on_readable(struct master *m, struct client *c)
{
    for (;;) {
        size_t room = HF_RX_CAP - c->rx_len;
        ssize_t n;
        if (c->rx_blocked || c->state == CL_CLOSING || room == 0)
            return 0;
        n = mc_read(c, c->rx + c->rx_len, room);
        if (n == 0)
            return -1;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
        }
        c->rx_len += (size_t)n;
        c->heard_ms = hf_now_ms();
        if (mclient_process(m, c) < 0)
            return -1;
        if ((size_t)n < room)
            return 0;
    }
}

int mclient_wants_write(const struct master *m, const struct client *c)
{
    if (c->tx_off < c->tx_len)
        return 1;
    if (c->ctl_n > 0 && c->ctl[c->ctl_head].after <= c->next)
        return 1;
    if (c->state == CL_ATTACHED && c->next < m->ring.end)
        return 1;
    if (c->state == CL_ATTACHED && afwd_has_frame(m, c))
        return 1;
    if (mpipes_err_pending(m, c))
        return 1;
    return c->info_pending && c->ctl_n == 0;
}

/* Keeps in tx what of a write (control frames already in tx[0..pre), then a frame in two
 * pieces) was not written: `written` bytes of the whole went. */
static void mc_keep_rest(struct client *c, size_t pre, const uint8_t *a, size_t alen,
                         const uint8_t *b, size_t blen, size_t written)
{
    size_t n = 0;
    if (written < pre) {
        memmove(c->tx, c->tx + written, pre - written);
        n = pre - written;
        written = 0;
    } else {
        written -= pre;
    }
    if (written < alen) {
        memcpy(c->tx + n, a + written, alen - written);
        n += alen - written;
        written = 0;
    } else {
        written -= alen;
    }
    memcpy(c->tx + n, b + written, blen - written);
    c->tx_off = 0;
    c->tx_len = n + blen - written;
}

int mclient_send_data(struct client *c, size_t pre, uint8_t type, const struct ring *r,
                      uint64_t *next, uint64_t bound)
{
    uint8_t hdr[HF_HEADER_LEN + 8];
    const uint8_t *p;
    struct iovec iov[3];
    uint64_t want = bound - *next;
    size_t cap = HF_MAX_DATA - pre; /* what a short write leaves fits in tx */
    size_t k = ring_peek(r, *next, want < cap ? (size_t)want : cap, &p);
    ssize_t n;
    codec_put_header(hdr, type, (uint32_t)(8 + k));
    codec_put_u64(hdr + HF_HEADER_LEN, *next);
    iov[0].iov_base = c->tx;
    iov[0].iov_len = pre;
    iov[1].iov_base = hdr;
    iov[1].iov_len = sizeof hdr;
    iov[2].iov_base = (void *)p;
    iov[2].iov_len = k;
    n = pre ? writev(c->wfd, iov, 3) : writev(c->wfd, iov + 1, 2);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 2 : -1;
    c->progress_ms = hf_now_ms();
    *next += k;
    if ((size_t)n < pre + sizeof hdr + k)
        mc_keep_rest(c, pre, hdr, sizeof hdr, p, k, (size_t)n);
    else
        c->tx_off = c->tx_len = 0;
    return 1;
}

/* The bound of the OUTPUT that goes next once tx is written, or 0 when something else
 * goes first (stderr, an agent request, a GAP) or no output is due. */
static uint64_t mc_output_bound(const struct master *m, const struct client *c)
{
    uint64_t bound;
    if (c->state != CL_ATTACHED || mpipes_err_pending(m, c) || afwd_has_frame(m, c))
        return 0;
    if (c->next < m->ring.start || c->next < c->floor)
        return 0;
    bound = c->ctl_n > 0 ? c->ctl[c->ctl_head].after : m->ring.end;
    return c->next < bound ? bound : 0;
}

/* Sends the next OUTPUT up to bound, behind the `pre` bytes of control frames in tx. */
static int mc_send_output(struct master *m, struct client *c, size_t pre, uint64_t bound)
{
    int r = mclient_send_data(c, pre, MSG_OUTPUT, &m->ring, &c->next, bound);
    if (r == 1)
        wnd_sent(&c->wnd, c->next, c->progress_ms);
    return r;
}

/* A control frame is due: ATTACHED, EXIT, ... once the output before it has gone; an
 * EXIT_PIPES also waits for the stderr before it. */
static int mc_ctl_due(const struct master *m, const struct client *c)
{
    const struct ctl_frame *f = &c->ctl[c->ctl_head];
    return c->ctl_n > 0 && f->after <= c->next &&
           !(f->buf[0] == MSG_EXIT_PIPES && mpipes_err_pending(m, c));
}

/* Puts the next frame into tx, or writes the next OUTPUT directly. Returns 1 when
 * something was produced, 0 when nothing is due, -1 on a write error, 2 on EAGAIN.
 * A pipes client's stderr goes after the control frames due (ATTACHED first) and before
 * its EXIT_PIPES, which thus follows all of stderr as it follows all of stdout. */
static int mc_next_frame(struct master *m, struct client *c)
{
    uint64_t bound;
    if (mc_ctl_due(m, c)) {
        /* Every control frame due, and the OUTPUT after them, in one write: a reader that
         * wakes between two writes (sshd) sends each in an SSH packet of its own, and with
         * Nagle on (sshd turns it off only for a session's command, so not on a reconnect's
         * channel) the second waits a round trip for the first one's ACK. */
        c->tx_off = c->tx_len = 0;
        c->tx_is_exit = 0;
        while (!c->tx_is_exit && mc_ctl_due(m, c)) {
            struct ctl_frame *f = &c->ctl[c->ctl_head];
            memcpy(c->tx + c->tx_len, f->buf, f->len);
            c->tx_len += f->len;
            c->tx_is_exit = f->buf[0] == MSG_EXIT || f->buf[0] == MSG_EXIT_PIPES;
            c->ctl_head = (c->ctl_head + 1) % HF_CTL_SLOTS;
            c->ctl_n--;
        }
        /* on EAGAIN tx still holds the control frames */
        if (!c->tx_is_exit && (bound = mc_output_bound(m, c)) != 0)
            return mc_send_output(m, c, c->tx_len, bound) < 0 ? -1 : 1;
        return 1;
    }
    if (mpipes_err_pending(m, c))
        return mpipes_next_err(m, c);
    /* An agent request goes between whole frames: a program waits on it, output does not. */
    if (c->state == CL_ATTACHED && (c->tx_len = afwd_next_frame(m, c, c->tx, HF_TX_CAP)) > 0) {
        c->tx_off = 0;
        c->tx_is_exit = 0;
        return 1;
    }
    if (c->state == CL_ATTACHED && (c->next < m->ring.start || c->next < c->floor)) {
        struct hf_msg msg;
        uint64_t to = c->floor > m->ring.start ? c->floor : m->ring.start;
        memset(&msg, 0, sizeof msg);
        msg.type = MSG_GAP;
        msg.from = c->next;
        msg.to = to;
        c->tx_off = 0;
        c->tx_len = codec_encode(&msg, c->tx, HF_TX_CAP);
        c->next = to;
        return 1;
    }
    bound = c->ctl_n > 0 ? c->ctl[c->ctl_head].after : m->ring.end;
    if (c->state == CL_ATTACHED && c->next < bound)
        return mc_send_output(m, c, 0, bound);
    if (c->info_pending && c->ctl_n == 0) {
        struct hf_str json = { 0 };
        size_t n;
        mc_info_json(m, &json);
        n = json.len < HF_TX_CAP - HF_HEADER_LEN ? json.len : HF_TX_CAP - HF_HEADER_LEN;
        codec_put_header(c->tx, MSG_INFO_REPLY, (uint32_t)n);
        memcpy(c->tx + HF_HEADER_LEN, json.p, n);
        c->tx_off = 0;
        c->tx_len = HF_HEADER_LEN + n;
        c->info_pending = 0;
        str_free(&json);
        return 1;
    }
    return 0;
}

int mclient_flush(struct master *m, struct client *c)
{
    for (;;) {
        if (c->tx_off < c->tx_len) {
            ssize_t n = write(c->wfd, c->tx + c->tx_off, c->tx_len - c->tx_off);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
            }
            c->progress_ms = hf_now_ms();
            c->tx_off += (size_t)n;
            if (c->tx_off < c->tx_len)
                continue;
            c->tx_off = c->tx_len = 0;
            if (c->tx_is_exit) {
                /* EXIT collected: the link ends (linger.c: once the client has read it
                 * all); the session lingers a little */
                if (!m->linger_deadline)
                    m->linger_deadline = c->progress_ms + HF_EXIT_LINGER_MS;
                return -1;
            }
            continue;
        }
        switch (mc_next_frame(m, c)) {
        case 1: continue;
        case 2: return 0;
        case -1: return -1;
        default: break;
        }
        break;
    }
    if (c->close_when_flushed && !c->info_pending && c->ctl_n == 0)
        return -1;
    return 0;
}
