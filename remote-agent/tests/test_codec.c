/* test_codec.c - frame codec: round trips, partial frames, header-first refusal, and every
 * vector in vectors/vectors.txt decoded to its text form and re-encoded to its bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "describe.h"
#include "test.h"

static size_t enc(struct hf_msg *m, uint8_t *out)
{
    return codec_encode(m, out, HF_HEADER_LEN + 8 + HF_MAX_DATA);
}

static void codec_decodes_a_frame_fed_one_byte_at_a_time(void)
{
    uint8_t buf[64];
    struct hf_msg m, d;
    size_t n, flen, i;
    memset(&m, 0, sizeof m);
    m.type = MSG_INPUT;
    m.seq = 42;
    m.data = (const uint8_t *)"hello";
    m.data_len = 5;
    n = enc(&m, buf);
    CHECK(n == HF_HEADER_LEN + 8 + 5);
    for (i = 0; i < n; i++)
        CHECK(codec_decode(buf, i, &d, &flen) == HF_DEC_MORE);
    CHECK(codec_decode(buf, 3, &d, &flen) == HF_DEC_MORE && flen == 0);
    CHECK(codec_decode(buf, 6, &d, &flen) == HF_DEC_MORE && flen == n);
    CHECK(codec_decode(buf, n, &d, &flen) == HF_DEC_OK && flen == n);
    CHECK(d.seq == 42 && d.data_len == 5 && memcmp(d.data, "hello", 5) == 0);
}

static void codec_decodes_back_to_back_frames(void)
{
    uint8_t buf[128];
    struct hf_msg a, d;
    size_t n = 0, flen;
    memset(&a, 0, sizeof a);
    a.type = MSG_PING;
    a.token = 1;
    n += enc(&a, buf + n);
    a.type = MSG_DETACH;
    n += enc(&a, buf + n);
    CHECK(codec_decode(buf, n, &d, &flen) == HF_DEC_OK && d.type == MSG_PING && d.token == 1);
    CHECK(codec_decode(buf + flen, n - flen, &d, &flen) == HF_DEC_OK && d.type == MSG_DETACH);
}

static void codec_refuses_an_oversized_length_from_the_header_alone(void)
{
    uint8_t hdr[5];
    struct hf_msg d;
    size_t flen;
    uint32_t plen;
    codec_put_header(hdr, MSG_INPUT, 0xffffffffu);
    CHECK(codec_decode(hdr, 5, &d, &flen) == HF_DEC_BAD_LENGTH);
    CHECK(codec_check_header(hdr, &plen) == HF_DEC_BAD_LENGTH);
    codec_put_header(hdr, 0x42, 0);
    CHECK(codec_decode(hdr, 5, &d, &flen) == HF_DEC_BAD_TYPE);
}

static void codec_encoder_refuses_out_of_bounds_messages(void)
{
    static uint8_t big[HF_MAX_DATA + 1];
    uint8_t *out = malloc(HF_HEADER_LEN + 8 + HF_MAX_DATA + 16);
    struct hf_msg m;
    memset(&m, 0, sizeof m);
    m.type = MSG_OUTPUT;
    m.data = big;
    m.data_len = sizeof big;
    CHECK(codec_encode(&m, out, HF_HEADER_LEN + 8 + HF_MAX_DATA + 16) == 0);
    m.data_len = 0;
    CHECK(codec_encode(&m, out, 64) == 0); /* OUTPUT needs at least one byte */
    m.type = 0x55;
    CHECK(codec_encode(&m, out, 64) == 0);
    m.type = MSG_PING;
    CHECK(codec_encode(&m, out, 12) == 0); /* does not fit */
    free(out);
}

static void codec_maps_wire_signals(void)
{
    CHECK(codec_wire_signal(HF_WSIG_INT) != 0);
    CHECK(codec_wire_signal(HF_WSIG_KILL) != 0);
    CHECK(codec_wire_signal(0) == 0);
    CHECK(codec_wire_signal(7) == 0);
    CHECK(codec_wire_signal(255) == 0);
}

void test_codec(void)
{
    codec_decodes_a_frame_fed_one_byte_at_a_time();
    codec_decodes_back_to_back_frames();
    codec_refuses_an_oversized_length_from_the_header_alone();
    codec_encoder_refuses_out_of_bounds_messages();
    codec_maps_wire_signals();
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* One vector: decode, compare the text, re-encode, compare the bytes. */
static void check_vector(const char *name, const uint8_t *b, size_t n, const char *want)
{
    struct hf_msg m;
    struct hf_str got = { 0 };
    size_t flen;
    int rc = codec_decode(b, n, &m, &flen);
    if (rc == HF_DEC_OK) {
        uint8_t *re = malloc(n + 1);
        describe_msg(&m, &got);
        CHECK(flen == n);
        if (flen != n || strcmp(got.p, want) != 0) {
            t_failures++;
            fprintf(stderr, "vector %s: decoded to\n  %.200s\nwanted\n  %.200s\n", name, got.p,
                    want);
        }
        CHECK(re && codec_encode(&m, re, n + 1) == n && memcmp(re, b, n) == 0);
        free(re);
    } else {
        str_adds(&got, describe_error(rc));
        if (strcmp(got.p, want) != 0) {
            t_failures++;
            fprintf(stderr, "vector %s: decoded to %s, wanted %.200s\n", name, got.p, want);
        }
    }
    t_checks++;
    str_free(&got);
}

int test_vectors(const char *path)
{
    FILE *f = fopen(path, "r");
    static char line[600000];
    static uint8_t bytes[300000];
    int count = 0;
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        t_failures++;
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        char *name = line, *hex, *desc, *nl;
        size_t n = 0;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        hex = strchr(name, '\t');
        desc = hex ? strchr(hex + 1, '\t') : NULL;
        if (!hex || !desc) {
            fprintf(stderr, "malformed vector line: %.60s\n", line);
            t_failures++;
            continue;
        }
        *hex++ = '\0';
        *desc++ = '\0';
        while (hex[2 * n] && hex[2 * n + 1] && n < sizeof bytes) {
            bytes[n] = (uint8_t)(hexval(hex[2 * n]) * 16 + hexval(hex[2 * n + 1]));
            n++;
        }
        check_vector(name, bytes, n, desc);
        count++;
    }
    fclose(f);
    return count;
}
