/* codec.c - frame encode/decode (PROTOCOL.md "Framing" and the message tables).
 *
 * Every frame:  u8 type | u32 length (big-endian) | payload[length]
 * The header is checked (known type, length within MAX_PAYLOAD and the type's bounds)
 * before anyone waits for or reads the payload. Fixed-size payloads must be exact. */
#include <signal.h>
#include <string.h>

#include "codec.h"

void codec_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void codec_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void codec_put_u64(uint8_t *p, uint64_t v)
{
    codec_put_u32(p, (uint32_t)(v >> 32));
    codec_put_u32(p + 4, (uint32_t)v);
}

uint16_t codec_get_u16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t codec_get_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint64_t codec_get_u64(const uint8_t *p)
{
    return ((uint64_t)codec_get_u32(p) << 32) | codec_get_u32(p + 4);
}

void codec_put_header(uint8_t *out, uint8_t type, uint32_t payload_len)
{
    out[0] = type;
    codec_put_u32(out + 1, payload_len);
}

/* Payload bounds per type, inclusive. */
static int codec_bounds(uint8_t type, uint32_t *lo, uint32_t *hi)
{
    uint32_t a, b;
    switch (type) {
    case MSG_HELLO: a = 4; b = 4 + HF_MAX_CLIENT_NAME; break;
    case MSG_ATTACH: a = b = HF_CLIENT_ID_LEN + 9; break;
    case MSG_INPUT: a = 9; b = 8 + HF_MAX_DATA; break;
    case MSG_RESIZE: a = b = 4; break;
    case MSG_SIGNAL: a = b = 1; break;
    case MSG_DETACH: a = b = 0; break;
    case MSG_PING: a = b = 8; break;
    case MSG_INFO: a = b = 0; break;
    case MSG_KEEPALIVE: a = b = 0; break;
    case MSG_ATTACH_V2: a = b = HF_CLIENT_ID_LEN + 17; break;
    case MSG_SHOWN: a = b = 8; break;
    case MSG_ATTACH_PIPES: a = b = HF_CLIENT_ID_LEN + 25; break;
    case MSG_PIPES_SHOWN: a = b = 16; break;
    case MSG_INPUT_EOF: a = b = 8; break;
    case MSG_WELCOME: a = 2; b = HF_MAX_PAYLOAD; break;
    case MSG_ATTACHED: a = b = 32; break;
    case MSG_OUTPUT: a = 9; b = 8 + HF_MAX_DATA; break;
    case MSG_GAP: a = b = 16; break;
    case MSG_ACK: a = b = 8; break;
    case MSG_EXIT: a = b = 12; break;
    case MSG_ERROR: a = 2; b = HF_MAX_PAYLOAD; break;
    case MSG_PONG: a = b = 8; break;
    case MSG_INFO_REPLY: a = 0; b = HF_MAX_PAYLOAD; break;
    case MSG_AGENT_READY:
    case MSG_AGENT_NONE: a = b = 0; break;
    case MSG_AGENT_REPLY:
    case MSG_AGENT_REQUEST: a = 5; b = 4 + HF_AGENT_MAX_MSG; break;
    case MSG_ERR_OUTPUT: a = 9; b = 8 + HF_MAX_DATA; break;
    case MSG_ERR_GAP: a = b = 16; break;
    case MSG_ATTACHED_PIPES: a = b = 60; break;
    case MSG_EXIT_PIPES: a = b = 21; break;
    default: return 0;
    }
    *lo = a;
    *hi = b;
    return 1;
}

int codec_is_client_type(uint8_t type)
{
    return (type >= MSG_HELLO && type <= MSG_INPUT_EOF) ||
           (type >= MSG_AGENT_READY && type <= MSG_AGENT_REPLY);
}

int codec_check_header(const uint8_t *hdr, uint32_t *payload_len)
{
    uint32_t lo, hi, len = codec_get_u32(hdr + 1);
    if (!codec_bounds(hdr[0], &lo, &hi))
        return HF_DEC_BAD_TYPE;
    if (len < lo || len > hi)
        return HF_DEC_BAD_LENGTH;
    *payload_len = len;
    return HF_DEC_OK;
}

/* Fills the type's fields from a complete, bounds-checked payload. */
static int codec_fields(struct hf_msg *m, const uint8_t *p, size_t n)
{
    switch (m->type) {
    case MSG_HELLO:
        m->min_version = codec_get_u16(p);
        m->max_version = codec_get_u16(p + 2);
        m->data = p + 4;
        m->data_len = n - 4;
        break;
    case MSG_ATTACH:
    case MSG_ATTACH_V2:
    case MSG_ATTACH_PIPES:
        memcpy(m->client_id, p, HF_CLIENT_ID_LEN);
        m->offset = codec_get_u64(p + 16);
        m->flags = p[24];
        if (m->type != MSG_ATTACH)
            m->input_sent = codec_get_u64(p + 25);
        if (m->type == MSG_ATTACH_PIPES)
            m->err_offset = codec_get_u64(p + 33);
        break;
    case MSG_PIPES_SHOWN:
        m->offset = codec_get_u64(p);
        m->err_offset = codec_get_u64(p + 8);
        break;
    case MSG_INPUT_EOF: m->seq = codec_get_u64(p); break;
    case MSG_ATTACHED_PIPES:
        m->input_acked = codec_get_u64(p);
        m->ring_start = codec_get_u64(p + 8);
        m->end_offset = codec_get_u64(p + 16);
        m->err_start = codec_get_u64(p + 24);
        m->err_end = codec_get_u64(p + 32);
        m->from = codec_get_u64(p + 40);
        m->err_from = codec_get_u64(p + 48);
        m->pid = codec_get_u32(p + 56);
        break;
    case MSG_EXIT_PIPES:
        m->end_offset = codec_get_u64(p);
        m->err_end = codec_get_u64(p + 8);
        m->status = (int32_t)codec_get_u32(p + 16);
        m->signal = p[20];
        break;
    case MSG_INPUT:
        m->seq = codec_get_u64(p);
        m->data = p + 8;
        m->data_len = n - 8;
        break;
    case MSG_RESIZE:
        m->cols = codec_get_u16(p);
        m->rows = codec_get_u16(p + 2);
        break;
    case MSG_SIGNAL: m->signal = p[0]; break;
    case MSG_SHOWN: m->offset = codec_get_u64(p); break;
    case MSG_PING:
    case MSG_PONG: m->token = codec_get_u64(p); break;
    case MSG_WELCOME:
        m->version = codec_get_u16(p);
        m->data = p + 2;
        m->data_len = n - 2;
        break;
    case MSG_ATTACHED:
        m->input_acked = codec_get_u64(p);
        m->ring_start = codec_get_u64(p + 8);
        m->end_offset = codec_get_u64(p + 16);
        m->cols = codec_get_u16(p + 24);
        m->rows = codec_get_u16(p + 26);
        m->pid = codec_get_u32(p + 28);
        break;
    case MSG_OUTPUT:
    case MSG_ERR_OUTPUT:
        m->offset = codec_get_u64(p);
        m->data = p + 8;
        m->data_len = n - 8;
        break;
    case MSG_GAP:
    case MSG_ERR_GAP:
        m->from = codec_get_u64(p);
        m->to = codec_get_u64(p + 8);
        if (m->to < m->from)
            return HF_DEC_BAD_VALUE;
        break;
    case MSG_ACK: m->seq = codec_get_u64(p); break;
    case MSG_EXIT:
        m->end_offset = codec_get_u64(p);
        m->status = (int32_t)codec_get_u32(p + 8);
        break;
    case MSG_ERROR:
        m->code = codec_get_u16(p);
        m->data = p + 2;
        m->data_len = n - 2;
        break;
    case MSG_INFO_REPLY:
        m->data = p;
        m->data_len = n;
        break;
    case MSG_AGENT_REPLY:
    case MSG_AGENT_REQUEST:
        m->request_id = codec_get_u32(p);
        m->data = p + 4;
        m->data_len = n - 4;
        break;
    default: break; /* DETACH, INFO, KEEPALIVE, AGENT_READY, AGENT_NONE: empty */
    }
    return HF_DEC_OK;
}

int codec_decode(const uint8_t *buf, size_t len, struct hf_msg *m, size_t *frame_len)
{
    uint32_t plen;
    int rc;

    *frame_len = 0;
    if (len < HF_HEADER_LEN)
        return HF_DEC_MORE;
    rc = codec_check_header(buf, &plen);
    if (rc != HF_DEC_OK)
        return rc;
    *frame_len = HF_HEADER_LEN + (size_t)plen;
    if (len < *frame_len)
        return HF_DEC_MORE;
    memset(m, 0, sizeof *m);
    m->type = buf[0];
    return codec_fields(m, buf + HF_HEADER_LEN, plen);
}

/* Payload of `m` into p; returns its length (p has room for the largest fixed part). */
static size_t codec_fixed(const struct hf_msg *m, uint8_t *p)
{
    switch (m->type) {
    case MSG_HELLO:
        codec_put_u16(p, m->min_version);
        codec_put_u16(p + 2, m->max_version);
        return 4;
    case MSG_ATTACH:
    case MSG_ATTACH_V2:
    case MSG_ATTACH_PIPES:
        memcpy(p, m->client_id, HF_CLIENT_ID_LEN);
        codec_put_u64(p + 16, m->offset);
        p[24] = m->flags;
        if (m->type == MSG_ATTACH)
            return 25;
        codec_put_u64(p + 25, m->input_sent);
        if (m->type == MSG_ATTACH_V2)
            return 33;
        codec_put_u64(p + 33, m->err_offset);
        return 41;
    case MSG_PIPES_SHOWN:
        codec_put_u64(p, m->offset);
        codec_put_u64(p + 8, m->err_offset);
        return 16;
    case MSG_INPUT_EOF: codec_put_u64(p, m->seq); return 8;
    case MSG_ATTACHED_PIPES:
        codec_put_u64(p, m->input_acked);
        codec_put_u64(p + 8, m->ring_start);
        codec_put_u64(p + 16, m->end_offset);
        codec_put_u64(p + 24, m->err_start);
        codec_put_u64(p + 32, m->err_end);
        codec_put_u64(p + 40, m->from);
        codec_put_u64(p + 48, m->err_from);
        codec_put_u32(p + 56, m->pid);
        return 60;
    case MSG_EXIT_PIPES:
        codec_put_u64(p, m->end_offset);
        codec_put_u64(p + 8, m->err_end);
        codec_put_u32(p + 16, (uint32_t)m->status);
        p[20] = m->signal;
        return 21;
    case MSG_INPUT: codec_put_u64(p, m->seq); return 8;
    case MSG_RESIZE:
        codec_put_u16(p, m->cols);
        codec_put_u16(p + 2, m->rows);
        return 4;
    case MSG_SIGNAL: p[0] = m->signal; return 1;
    case MSG_PING:
    case MSG_PONG: codec_put_u64(p, m->token); return 8;
    case MSG_WELCOME: codec_put_u16(p, m->version); return 2;
    case MSG_ATTACHED:
        codec_put_u64(p, m->input_acked);
        codec_put_u64(p + 8, m->ring_start);
        codec_put_u64(p + 16, m->end_offset);
        codec_put_u16(p + 24, m->cols);
        codec_put_u16(p + 26, m->rows);
        codec_put_u32(p + 28, m->pid);
        return 32;
    case MSG_OUTPUT:
    case MSG_ERR_OUTPUT:
    case MSG_SHOWN: codec_put_u64(p, m->offset); return 8;
    case MSG_GAP:
    case MSG_ERR_GAP:
        codec_put_u64(p, m->from);
        codec_put_u64(p + 8, m->to);
        return 16;
    case MSG_ACK: codec_put_u64(p, m->seq); return 8;
    case MSG_EXIT:
        codec_put_u64(p, m->end_offset);
        codec_put_u32(p + 8, (uint32_t)m->status);
        return 12;
    case MSG_ERROR: codec_put_u16(p, m->code); return 2;
    case MSG_AGENT_REPLY:
    case MSG_AGENT_REQUEST: codec_put_u32(p, m->request_id); return 4;
    default: return 0;
    }
}

static int codec_has_tail(uint8_t type)
{
    return type == MSG_HELLO || type == MSG_INPUT || type == MSG_WELCOME ||
           type == MSG_OUTPUT || type == MSG_ERROR || type == MSG_INFO_REPLY ||
           type == MSG_AGENT_REPLY || type == MSG_AGENT_REQUEST || type == MSG_ERR_OUTPUT;
}

size_t codec_encode(const struct hf_msg *m, uint8_t *out, size_t cap)
{
    uint8_t fixed[64];
    uint32_t lo, hi;
    size_t flen = codec_fixed(m, fixed);
    size_t tail = codec_has_tail(m->type) ? m->data_len : 0;
    size_t plen = flen + tail;

    if (!codec_bounds(m->type, &lo, &hi) || plen < lo || plen > hi)
        return 0;
    if (cap < HF_HEADER_LEN + plen)
        return 0;
    codec_put_header(out, m->type, (uint32_t)plen);
    memcpy(out + HF_HEADER_LEN, fixed, flen);
    if (tail)
        memcpy(out + HF_HEADER_LEN + flen, m->data, tail);
    return HF_HEADER_LEN + plen;
}

int codec_wire_signal(uint8_t wire)
{
    switch (wire) {
    case HF_WSIG_HUP: return SIGHUP;
    case HF_WSIG_INT: return SIGINT;
    case HF_WSIG_QUIT: return SIGQUIT;
    case HF_WSIG_KILL: return SIGKILL;
    case HF_WSIG_USR1: return SIGUSR1;
    case HF_WSIG_USR2: return SIGUSR2;
    case HF_WSIG_TERM: return SIGTERM;
    case HF_WSIG_CONT: return SIGCONT;
    case HF_WSIG_STOP: return SIGSTOP;
    case HF_WSIG_WINCH: return SIGWINCH;
    default: return 0;
    }
}
