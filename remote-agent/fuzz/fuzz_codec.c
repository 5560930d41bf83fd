/* fuzz_codec.c - libFuzzer target for the frame decoder.
 *
 * Feeds arbitrary bytes through codec_decode as a stream (the way the master and the
 * clients consume a socket): every decoded frame must re-encode to exactly its bytes, and
 * no input may crash, hang or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t re[HF_HEADER_LEN + HF_MAX_PAYLOAD];
    size_t pos = 0;
    while (pos < size) {
        struct hf_msg m;
        size_t flen;
        int rc = codec_decode(data + pos, size - pos, &m, &flen);
        if (rc != HF_DEC_OK)
            break;
        if (flen < HF_HEADER_LEN || flen > size - pos)
            abort();
        if (codec_encode(&m, re, sizeof re) != flen || memcmp(re, data + pos, flen) != 0)
            abort();
        pos += flen;
    }
    return 0;
}
