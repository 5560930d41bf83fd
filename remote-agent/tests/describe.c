/* describe.c - the fixed text form of decoded frames used by vectors/vectors.txt.
 * Numbers in decimal; client_id and data as lowercase hex; strings in double quotes with
 * every byte outside 0x20..0x7e, and '"' and '\', written as \xHH. */
#include <stdio.h>
#include <string.h>

#include "describe.h"

static void d_hex(struct hf_str *s, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        str_addf(s, "%02x", p[i]);
}

static void d_str(struct hf_str *s, const uint8_t *p, size_t n)
{
    size_t i;
    str_adds(s, "\"");
    for (i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] <= 0x7e && p[i] != '"' && p[i] != '\\')
            str_add(s, (const char *)p + i, 1);
        else
            str_addf(s, "\\x%02x", p[i]);
    }
    str_adds(s, "\"");
}

#define U(x) ((unsigned long long)(x))

void describe_msg(const struct hf_msg *m, struct hf_str *s)
{
    switch (m->type) {
    case MSG_HELLO:
        str_addf(s, "HELLO min=%u max=%u name=", m->min_version, m->max_version);
        d_str(s, m->data, m->data_len);
        break;
    case MSG_ATTACH:
        str_adds(s, "ATTACH client_id=");
        d_hex(s, m->client_id, sizeof m->client_id);
        str_addf(s, " offset=%llu flags=%u", U(m->offset), m->flags);
        break;
    case MSG_INPUT:
        str_addf(s, "INPUT seq=%llu data=", U(m->seq));
        d_hex(s, m->data, m->data_len);
        break;
    case MSG_RESIZE: str_addf(s, "RESIZE cols=%u rows=%u", m->cols, m->rows); break;
    case MSG_SIGNAL: str_addf(s, "SIGNAL signal=%u", m->signal); break;
    case MSG_DETACH: str_adds(s, "DETACH"); break;
    case MSG_PING: str_addf(s, "PING token=%llu", U(m->token)); break;
    case MSG_INFO: str_adds(s, "INFO"); break;
    case MSG_KEEPALIVE: str_adds(s, "KEEPALIVE"); break;
    case MSG_ATTACH_V2:
        str_adds(s, "ATTACH_V2 client_id=");
        d_hex(s, m->client_id, sizeof m->client_id);
        str_addf(s, " offset=%llu flags=%u input_sent=%llu", U(m->offset), m->flags,
                 U(m->input_sent));
        break;
    case MSG_SHOWN: str_addf(s, "SHOWN offset=%llu", U(m->offset)); break;
    case MSG_ATTACH_PIPES:
        str_adds(s, "ATTACH_PIPES client_id=");
        d_hex(s, m->client_id, sizeof m->client_id);
        str_addf(s, " offset=%llu flags=%u input_sent=%llu err_offset=%llu", U(m->offset),
                 m->flags, U(m->input_sent), U(m->err_offset));
        break;
    case MSG_PIPES_SHOWN:
        str_addf(s, "PIPES_SHOWN offset=%llu err_offset=%llu", U(m->offset), U(m->err_offset));
        break;
    case MSG_INPUT_EOF: str_addf(s, "INPUT_EOF seq=%llu", U(m->seq)); break;
    case MSG_ERR_OUTPUT:
        str_addf(s, "ERR_OUTPUT offset=%llu data=", U(m->offset));
        d_hex(s, m->data, m->data_len);
        break;
    case MSG_ERR_GAP: str_addf(s, "ERR_GAP from=%llu to=%llu", U(m->from), U(m->to)); break;
    case MSG_ATTACHED_PIPES:
        str_addf(s, "ATTACHED_PIPES input_acked=%llu ring_start=%llu end_offset=%llu "
                 "err_start=%llu err_end=%llu from=%llu err_from=%llu pid=%lu",
                 U(m->input_acked), U(m->ring_start), U(m->end_offset), U(m->err_start),
                 U(m->err_end), U(m->from), U(m->err_from), (unsigned long)m->pid);
        break;
    case MSG_EXIT_PIPES:
        str_addf(s, "EXIT_PIPES end_offset=%llu err_end=%llu status=%ld signal=%u",
                 U(m->end_offset), U(m->err_end), (long)m->status, m->signal);
        break;
    case MSG_WELCOME:
        str_addf(s, "WELCOME version=%u agent=", m->version);
        d_str(s, m->data, m->data_len);
        break;
    case MSG_ATTACHED:
        str_addf(s, "ATTACHED input_acked=%llu ring_start=%llu end_offset=%llu cols=%u rows=%u pid=%lu",
                 U(m->input_acked), U(m->ring_start), U(m->end_offset), m->cols, m->rows,
                 (unsigned long)m->pid);
        break;
    case MSG_OUTPUT:
        str_addf(s, "OUTPUT offset=%llu data=", U(m->offset));
        d_hex(s, m->data, m->data_len);
        break;
    case MSG_GAP: str_addf(s, "GAP from=%llu to=%llu", U(m->from), U(m->to)); break;
    case MSG_ACK: str_addf(s, "ACK seq=%llu", U(m->seq)); break;
    case MSG_EXIT:
        str_addf(s, "EXIT end_offset=%llu status=%ld", U(m->end_offset), (long)m->status);
        break;
    case MSG_ERROR:
        str_addf(s, "ERROR code=%u message=", m->code);
        d_str(s, m->data, m->data_len);
        break;
    case MSG_PONG: str_addf(s, "PONG token=%llu", U(m->token)); break;
    case MSG_INFO_REPLY:
        str_adds(s, "INFO_REPLY json=");
        d_str(s, m->data, m->data_len);
        break;
    case MSG_AGENT_READY: str_adds(s, "AGENT_READY"); break;
    case MSG_AGENT_NONE: str_adds(s, "AGENT_NONE"); break;
    case MSG_AGENT_REPLY:
    case MSG_AGENT_REQUEST:
        str_addf(s, "%s request_id=%lu data=",
                 m->type == MSG_AGENT_REPLY ? "AGENT_REPLY" : "AGENT_REQUEST",
                 (unsigned long)m->request_id);
        d_hex(s, m->data, m->data_len);
        break;
    default: str_addf(s, "?%u", m->type); break;
    }
}

const char *describe_error(int rc)
{
    switch (rc) {
    case HF_DEC_BAD_TYPE: return "!type";
    case HF_DEC_BAD_LENGTH: return "!length";
    case HF_DEC_BAD_VALUE: return "!value";
    case HF_DEC_MORE: return "!incomplete";
    default: return "!?";
    }
}
