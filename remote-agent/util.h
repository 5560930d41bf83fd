/* util.h - small helpers shared by every role: messages, time, fds, random ids, strings. */
#ifndef HF_UTIL_H
#define HF_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HF_VERSION "0.1.0"
#ifndef HF_BUILD_SUM
#define HF_BUILD_SUM "unknown"
#endif
#define HF_PROG "holdfast-agent"
#define HF_ID_LEN 10            /* session id: 10 chars of lowercase base32 */
#define HF_ID_MAX 32            /* longest id accepted on the command line */
#define HF_NAME_MAX 64          /* longest --name */
#define HF_REQUEST_MIN 16       /* --request token: enough random characters not to collide */
#define HF_REQUEST_MAX 64       /* ... and short enough for one metadata line */

/* "holdfast-agent: <message>" on stderr, then exit(1). Messages say what and how to fix. */
void hf_die(const char *fmt, ...);
void hf_warn(const char *fmt, ...);

uint64_t hf_now_ms(void);
int hf_set_nonblock(int fd, int on);
int hf_set_cloexec(int fd);
/* Lets the pipe `fd` hold `bytes` (Linux; bounded by /proc/sys/fs/pipe-max-size): the
 * 64 KiB default is one frame, so reader and writer wake for every 64 KiB. Best effort:
 * anything else keeps its size. */
void hf_grow_pipe(int fd, size_t bytes);
/* A file could not be created or written for lack of space: ENOSPC (bytes or inodes), or
 * EDQUOT (the user's quota). Whatever the call, the user can only free space. */
int hf_disk_full(int err);
/* Its message, after "<what failed>: "; arguments: the directory, strerror(err). */
#define HF_DISK_FULL "the disk holding %s is full (%s); free some space there and retry"
/* Descriptors passing over a Unix socket (SCM_RIGHTS), at most HF_FDS_MAX at once. Sends
 * n bytes with nfds descriptors: 0 when all went, else -1. */
#define HF_FDS_MAX 2
int hf_send_fds(int sock, const void *p, size_t n, const int *fds, size_t nfds);
/* recvmsg() of at most n bytes: the count (or -1, errno); the descriptors that came with
 * them go to fds, close-on-exec, at most `max` (*nfds says how many; more are closed). */
ssize_t hf_recv_fds(int sock, void *p, size_t n, int *fds, size_t max, size_t *nfds);
/* Writes everything (blocking fd), retrying on EINTR; 0 or -1 with errno. */
int hf_write_all(int fd, const void *p, size_t n);
/* n random bytes from /dev/urandom; 0 or -1. */
int hf_random(void *p, size_t n);
/* A fresh session id, NUL-terminated (out has HF_ID_LEN + 1 bytes). */
int hf_random_id(char *out);
/* Whether s looks like a session id: 1..HF_ID_MAX of [a-z0-9]. */
int hf_valid_id(const char *s);
/* ISO-8601 UTC, e.g. 2025-01-31T12:00:00Z (out has 21+ bytes). */
void hf_iso_time(time_t t, char *out, size_t cap);

/* Growable byte string. On allocation failure it dies with a message. */
struct hf_str {
    char *p;
    size_t len, cap;
};
void str_add(struct hf_str *s, const char *p, size_t n);
void str_adds(struct hf_str *s, const char *z);
void str_addf(struct hf_str *s, const char *fmt, ...);
/* Appends z as a JSON string literal (quotes included; bytes >= 0x80 pass through). */
void str_add_json(struct hf_str *s, const char *z);
void str_free(struct hf_str *s);

/* Finds "key": in a flat JSON object and returns its value: a string (unescaped, malloc'd)
 * or the raw text of a number. NULL if absent or malformed. */
char *hf_json_get(const char *json, const char *key);

#endif
