/* master.h - one session's master process: the PTY, the child, the output ring, the
 * socket and its clients. Shared by master.c (setup and loop), mclient.c (per-client
 * protocol) and pty.c (PTY and child); master.c calls into mclient.c and pty.c, never
 * the other way round. */
#ifndef HF_MASTER_H
#define HF_MASTER_H

#include <stdint.h>
#include <sys/types.h>

#include "inq.h"
#include "proto.h"
#include "ring.h"
#include "util.h"

#define HF_MAX_CONN (HF_MAX_CLIENTS + 16) /* connections, attached or still greeting */
#define HF_CTL_SLOTS 32           /* control frames queued per client */
#define HF_CTL_BYTES 96           /* largest control frame (ERROR with its message) */
#define HF_RX_CAP (HF_HEADER_LEN + 8 + HF_MAX_DATA) /* largest client frame */
#define HF_TX_CAP (HF_HEADER_LEN + 8 + HF_MAX_DATA) /* largest frame we send */
#define HF_PTY_READ 65536         /* one PTY read: large reads keep throughput */
#define HF_PTY_BATCH 16384        /* PTY bytes read per loop turn (reads of <= 4 KiB each):
                                     fewer polls and larger frames; much more (64 KiB)
                                     measured slower, the reader sat idle meanwhile */
#define HF_QUIET_MS 100           /* after the child exits: PTY silent this long = done */

enum { CL_NEW, CL_WELCOMED, CL_ATTACHED, CL_CLOSING };

/* A control frame waiting for output before it: sent once the client's output has
 * reached `after` (so PONG follows everything queued before its PING). */
struct ctl_frame {
    uint64_t after;
    uint8_t len;
    uint8_t buf[HF_CTL_BYTES];
};

struct client {
    int fd;
    int state;                 /* CL_* */
    uint8_t *rx;               /* received bytes not yet parsed (HF_RX_CAP) */
    size_t rx_len;
    int rx_blocked;            /* next frame is INPUT waiting for room in the input queue */
    uint64_t next;             /* next output offset to send: the whole output queue */
    uint64_t shown;            /* version 3: output before it is shown (SHOWN, or ATTACH) */
    uint64_t floor;            /* version 4 TAIL: output before it is not sent (a GAP) */
    uint8_t *tx;               /* rest of a partially written frame (HF_TX_CAP) */
    size_t tx_len, tx_off;
    int tx_is_exit;            /* tx holds EXIT: once written, the client has collected it */
    struct ctl_frame ctl[HF_CTL_SLOTS];
    unsigned ctl_head, ctl_n;
    int version;               /* protocol version agreed in WELCOME, 0 before */
    int dedup;                 /* slot in master.dedup, -1 before ATTACH */
    uint64_t acked;            /* highest input seq this client was told is applied */
    uint64_t progress_ms;      /* last time it took bytes or had nothing waiting */
    uint64_t heard_ms;         /* last time it sent us anything (version 2 liveness) */
    int exit_queued;           /* EXIT queued */
    int close_when_flushed;    /* INFO answered / EXIT queued: close once tx is empty */
    int redraw;                /* ATTACH asked for REDRAW: done after this batch */
    int info_pending;          /* INFO asked: reply once earlier frames are out */
    int doomed;                /* misbehaved (control queue overflow): drop it */
    uint64_t greet_deadline;   /* still in the handshake then: dropped (HELLO_TIMEOUT) */
    uint64_t serial;           /* unique in this master: names it to the agent relay */
    uint64_t agent_ready;      /* version 4: when it said AGENT_READY (an order), 0: never */
};

struct master {
    char id[40];
    char name[80];
    char *command;             /* display form */
    char created[32];
    pid_t pid, child;
    int listen_fd;
    int pty;                   /* PTY master, -1 once it reported its end */
    int slave;                 /* our PTY slave, held until the child is reaped; or -1 */
    int sig_r, sig_w;          /* self-pipe for SIGCHLD/SIGTERM */
    struct ring ring;
    uint16_t cols, rows;
    int child_done, pty_done, exited, status, terminate;
    uint64_t quiet_deadline, linger_deadline, grace_deadline;
    uint64_t started_ms;       /* hf_now_ms() when the master began: the session's age */
    uint64_t output_ms;        /* when the PTY last produced output (0: never): idle time */
    struct client *clients[HF_MAX_CONN];
    int nclients;
    struct dedup_table dedup;  /* per client id: input applied and written */
    struct inq inq;            /* input accepted, not yet written to the PTY */
    struct afwd *afwd;         /* agent forwarding (authfwd.c); NULL: the session has none */
};

/* What `new` hands the master. */
struct master_opts {
    const char *id;
    const char *sessions;      /* the sessions directory, for messages */
    const char *name;          /* NULL or "" for none */
    const char *request;       /* --request token for the metadata, or NULL */
    char **argv;               /* command, or NULL for the login shell */
    char **env;                /* K=V entries added to the child's environment */
    int nenv;
    const char *cwd;           /* NULL: the cwd `new` was started in */
    int cwd_fd;                /* that cwd */
    unsigned cols, rows;
    size_t scrollback;
    int ready_fd;              /* write "ok PID\n" or "error MESSAGE\n", then close */
    int forward_agent;         /* give the session an agent socket (SSH_AUTH_SOCK) */
};

/* Runs the master; never returns. */
void master_main(const struct master_opts *o);

/* pty.c */
int pty_spawn(struct master *m, const struct master_opts *o, char *err, size_t errcap);
void pty_resize(struct master *m, uint16_t cols, uint16_t rows);
void pty_redraw(struct master *m);
void pty_signal(struct master *m, int sig);

/* minfo.c: appends the live INFO fields (each `,"key":value`) to an INFO object. */
void minfo_add_live(struct master *m, struct hf_str *out, uint64_t now);

/* mclient.c */
struct client *mclient_new(int fd);
/* Frees a client, unpinning its input dedup slot. */
void mclient_free(struct master *m, struct client *c);
int mclient_on_readable(struct master *m, struct client *c);   /* -1: drop */
int mclient_process(struct master *m, struct client *c);       /* -1: drop */
int mclient_flush(struct master *m, struct client *c);         /* -1: drop */
int mclient_wants_write(const struct master *m, const struct client *c);
void mclient_queue(struct master *m, struct client *c, const uint8_t *frame, size_t n,
                   uint64_t after);
void mclient_queue_exit(struct master *m, struct client *c);
void mclient_fail(struct client *c, uint16_t code, const char *text);
size_t mclient_error_frame(uint8_t *out, size_t cap, uint16_t code, const char *text);
/* inq_advance's callback: INPUT `seq` of dedup slot `slot` is written; ctx is the master. */
void mclient_ack_written(void *m, int slot, uint64_t seq);
int mclient_attached_count(const struct master *m);
/* Whether an attached client counts as live: it holds the PTY back when it is behind. */
int mclient_is_live(const struct master *m, const struct client *c, uint64_t now);
/* When a live client that is behind stops counting as live (UINT64_MAX: not by time). */
uint64_t mclient_live_until(const struct client *c);

#endif
