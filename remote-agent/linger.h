/* linger.h - closing a client connection without losing what we last sent it.
 *
 * On Linux, closing a Unix stream socket while bytes the peer sent are still unread makes
 * the peer's next read fail with ECONNRESET, and the peer may lose what we wrote last (the
 * final output, EXIT, an ERROR). A pipes client acknowledges as it reads, so some of its
 * bytes are nearly always in flight. So a connection we end is half-closed first (the peer
 * reads everything, then EOF) and held, its input read and dropped, until the peer closes
 * it or HF_LINGER_MS pass. */
#ifndef HF_LINGER_H
#define HF_LINGER_H

#include <poll.h>
#include <stdint.h>

struct master;

#define HF_LINGER_MAX 16  /* connections held while closing; beyond that, closed at once */
#define HF_LINGER_MS 2000 /* the longest a closing connection is held */

/* Ends our side of `fd` (a client connection) and closes it once its peer has. */
void linger_close(struct master *m, int fd, uint64_t now);
/* Poll slots for the held connections (at most HF_LINGER_MAX); lowers *wake. */
int linger_poll_fill(struct master *m, struct pollfd *pfd, uint64_t *wake);
void linger_poll_done(struct master *m, const struct pollfd *pfd, int n, uint64_t now);
/* Closes every held connection (the master is ending). */
void linger_close_all(struct master *m);

#endif
