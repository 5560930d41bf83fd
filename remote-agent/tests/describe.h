/* describe.h - the vectors' text form of a decoded frame (vectors/README.md). */
#ifndef HF_DESCRIBE_H
#define HF_DESCRIBE_H

#include "codec.h"
#include "util.h"

void describe_msg(const struct hf_msg *m, struct hf_str *out);
/* "!type", "!length", "!value" or "!incomplete" for a codec_decode result. */
const char *describe_error(int rc);

#endif
