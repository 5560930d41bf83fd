/* codec.h - frame encode/decode shared by master, bridge, attach and the tools.
 * Pure functions over byte buffers: no I/O, no allocation. */
#ifndef HF_CODEC_H
#define HF_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* One decoded frame. Only the fields of its type are meaningful; `data` points into the
 * buffer that was decoded (strings and INPUT/OUTPUT data alike). */
struct hf_msg {
    uint8_t type;
    uint16_t min_version, max_version;  /* HELLO */
    uint16_t version;                   /* WELCOME */
    uint8_t client_id[HF_CLIENT_ID_LEN]; /* ATTACH, ATTACH_V2 */
    uint8_t flags;                      /* ATTACH, ATTACH_V2 */
    uint8_t signal;                     /* SIGNAL (wire number); EXIT_PIPES (server's) */
    uint16_t cols, rows;                /* RESIZE, ATTACHED */
    uint16_t code;                      /* ERROR */
    uint32_t pid;                       /* ATTACHED */
    int32_t status;                     /* EXIT */
    uint64_t offset;                    /* ATTACH, ATTACH_V2, OUTPUT, SHOWN */
    uint64_t seq;                       /* INPUT, ACK */
    uint64_t token;                     /* PING, PONG */
    uint64_t input_acked;               /* ATTACHED */
    uint64_t input_sent;                /* ATTACH_V2 */
    uint64_t ring_start;                /* ATTACHED */
    uint64_t end_offset;                /* ATTACHED, EXIT */
    uint64_t from, to;                  /* GAP, ERR_GAP */
    uint32_t request_id;                /* AGENT_REQUEST, AGENT_REPLY */
    uint64_t err_offset;                /* ATTACH_PIPES, PIPES_SHOWN */
    uint64_t err_start, err_end;        /* ATTACHED_PIPES; err_end also EXIT_PIPES */
    uint64_t err_from;                  /* ATTACHED_PIPES (stdout's start is `from`) */
    const uint8_t *data;                /* INPUT/OUTPUT data, or the string field */
    size_t data_len;
};

/* codec_decode results */
#define HF_DEC_OK 1             /* one frame decoded; *frame_len is its size */
#define HF_DEC_MORE 0           /* incomplete; *frame_len is the size needed if known, else 0 */
#define HF_DEC_BAD_TYPE (-1)    /* unknown type */
#define HF_DEC_BAD_LENGTH (-2)  /* length outside the type's bounds (or > MAX_PAYLOAD) */
#define HF_DEC_BAD_VALUE (-3)   /* a field out of range (GAP ending before it starts) */

int codec_decode(const uint8_t *buf, size_t len, struct hf_msg *m, size_t *frame_len);
/* Checks a header alone; returns HF_DEC_OK or an error, and the payload length. */
int codec_check_header(const uint8_t *hdr, uint32_t *payload_len);
/* Whether the type is one a client sends (0x01..0x0e, 0x10..0x11; whatever the version). */
int codec_is_client_type(uint8_t type);

/* Encodes `m` into out[0..cap); returns the frame size, or 0 when it does not fit or the
 * message breaks a bound (an encoder bug, never peer input). */
size_t codec_encode(const struct hf_msg *m, uint8_t *out, size_t cap);

/* Writes a frame header. */
void codec_put_header(uint8_t *out, uint8_t type, uint32_t payload_len);

void codec_put_u16(uint8_t *p, uint16_t v);
void codec_put_u32(uint8_t *p, uint32_t v);
void codec_put_u64(uint8_t *p, uint64_t v);
uint16_t codec_get_u16(const uint8_t *p);
uint32_t codec_get_u32(const uint8_t *p);
uint64_t codec_get_u64(const uint8_t *p);

/* Wire signal number -> local signal number, or 0 when not in the table. */
int codec_wire_signal(uint8_t wire);

#endif
