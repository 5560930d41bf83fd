/* master.h - one session's master process: the PTY, the child, the output ring, the
 * socket and its clients. Shared by master.c (setup and loop), mclient.c (per-client
 * protocol) and pty.c (PTY and child); master.c calls into mclient.c and pty.c, never
 * the other way round. */
#ifndef HF_MASTER_H
#define HF_MASTER_H

#include <stdint.h>
#include <sys/types.h>

#include "codec.h"
#include "inq.h"
#include "linger.h"
#include "proto.h"
#include "push.h"
#include "ring.h"
#include "util.h"
#include "wnd.h"

#define HF_MAX_CONN (HF_MAX_CLIENTS + 16) /* connections, attached or still greeting */
/* room for a burst of connects while the master is busy: more than it will ever serve, so a
 * client gets BUSY from the master rather than EAGAIN from the kernel */
#define HF_LISTEN_BACKLOG (2 * HF_MAX_CONN)
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
    int fd;                    /* read from; for a socket, written to as well */
    int wfd;                   /* written to: fd, or the stdout `bridge` handed over */
    int bridge;                /* after ADOPT: the bridge's connection, closed to end it;
                                  -1 otherwise */
    int passed[2];             /* descriptors sent before ADOPT was parsed */
    int npassed;
    int state;                 /* CL_* */
    uint8_t *rx;               /* received bytes not yet parsed (HF_RX_CAP) */
    size_t rx_len;
    int rx_blocked;            /* next frame is INPUT waiting for room in the input queue */
    uint64_t next;             /* next output offset to send: the whole output queue */
    uint64_t shown;            /* version 3: output before it is shown (SHOWN, or ATTACH) */
    struct wnd wnd;            /* version 3: its SHOWN window, sized to its path */
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
    int pipes;                 /* attached with ATTACH_PIPES to a pipes session */
    uint64_t err_next;         /* pipes: next stderr offset to send */
    uint64_t err_shown;        /* pipes: stderr before it is written by the client */
};

struct master {
    char id[40];
    char name[80];
    char *command;             /* display form */
    char created[32];
    pid_t pid, child;
    int listen_fd;
    int pty;                   /* PTY master (pipes: the command's stdout), -1 at its end */
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
    struct push_sock push[HF_PUSH_MAX]; /* resume sockets (push.h), oldest first */
    int npush;
    struct inq inq;            /* input accepted, not yet written to the PTY */
    struct afwd *afwd;         /* agent forwarding (authfwd.c); NULL: the session has none */
    /* Pipes mode (`new --pipes`, pipes.c): stdin, stdout and stderr are pipes. */
    int pipes;
    int in_fd;                 /* the command's stdin (write end), -1 once closed */
    int err_fd;                /* its stderr (read end), -1 at its end */
    int err_done;              /* stderr reached its end */
    struct ring err;           /* stderr, offsets of its own */
    uint64_t acked_out, acked_err; /* written by a pipes client (PIPES_SHOWN): the rings
                                     never overwrite bytes after these */
    int eof_slot;              /* INPUT_EOF accepted from this dedup slot (-1: none)... */
    uint64_t eof_seq;          /* ...with this seq: stdin closes once the input before it
                                  is written */
    size_t ack_bytes;          /* stdin written since the last ACKs went out... */
    uint64_t ack_due_ms;       /* ...which are said by then at the latest (0: none owed) */
    int signal;                /* the signal that ended the command (0: it exited) */
    struct {
        int fd;
        uint64_t deadline;
    } closing[HF_LINGER_MAX];  /* connections ended by us, held until their peer closes */
    int nclosing;
    /* `new --orphan-grace` (orphan.c): how long the command runs with no live client */
    uint64_t orphan_grace_ms;  /* 0: for ever (the default: a job needs no client) */
    uint64_t orphan_since;     /* when the last live client went (0: one is live now) */
    uint64_t orphan_kill_at;   /* TERM sent: KILL and the end then (0: not orphaned) */
    /* `new --hold`: until the first client attaches (or this time), the ring keeps every
     * byte from offset 0 and the command waits once it is full; 0: not holding */
    uint64_t hold_until;
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
    int pipes;                 /* --pipes: no PTY; stdin/stdout/stderr are pipes */
    unsigned orphan_grace_s;   /* --orphan-grace: 0 for none */
    unsigned hold_s;           /* --hold: 0 for none */
};

/* Runs the master; never returns. */
void master_main(const struct master_opts *o);

/* pty.c */
int pty_spawn(struct master *m, const struct master_opts *o, char *err, size_t errcap);
void pty_resize(struct master *m, uint16_t cols, uint16_t rows);
void pty_redraw(struct master *m);
void pty_signal(struct master *m, int sig);

/* pty.c, shared with pipes.c: the child's side of starting the command */
void spawn_reset_signals(void);
/* In the child with its stdio in place: environment, directory, exec; never returns. */
void spawn_exec(struct master *m, const struct master_opts *o, int errfd);
/* In the parent: waits for the child's exec (its report pipe closing); 0, or -1 with
 * the reason in err. Closes errfd. */
int spawn_result(const struct master_opts *o, int errfd, char *err, size_t errcap);

/* pipes.c: the command's stdio as pipes */
int pipes_spawn(struct master *m, const struct master_opts *o, char *err, size_t errcap);
/* Reads stdout (err = 0) or stderr (err = 1) into its ring, at most `budget` bytes. */
void pipes_read(struct master *m, int err, size_t budget);
/* Read allowance of stdout (err = 0) or stderr (err = 1): flow_pipes_allowance. */
size_t pipes_budget(const struct master *m, int err);
/* The fd input is written to: the PTY, or the command's stdin. */
int pipes_input_fd(const struct master *m);
/* Input can no longer be written (the PTY ended; the pipe's reader is gone): forget it. */
void pipes_input_gone(struct master *m);
/* After input was written: closes stdin once the INPUT_EOF's earlier input is all written. */
void pipes_eof_due(struct master *m);
/* `n` bytes of input were written to stdin at `now`: their ACK is owed. */
void pipes_input_written(struct master *m, size_t n, uint64_t now);
/* Says the ACKs owed once a batch is full or old enough; else lowers *wake (if given) to
 * when it is. */
void pipes_ack_due(struct master *m, uint64_t now, uint64_t *wake);
void pipes_close(struct master *m);

/* mpipes.c: the pipes side of a client (ATTACH_PIPES, PIPES_SHOWN, INPUT_EOF, stderr) */
int mpipes_attach(struct master *m, struct client *c, const struct hf_msg *in);
int mpipes_shown(struct master *m, struct client *c, const struct hf_msg *in);
int mpipes_input_eof(struct master *m, struct client *c, const struct hf_msg *in);
/* stderr due to this client: a frame sent (1), EAGAIN (2), error (-1), none (0) */
int mpipes_next_err(struct master *m, struct client *c);
int mpipes_err_pending(const struct master *m, const struct client *c);
void mpipes_queue_exit(struct master *m, struct client *c);

/* orphan.c: signals the command of a session started with --orphan-grace whose clients
 * are gone for good, lowering *wake to when it next has something to do; 1 when the master
 * must end now (the command outlived TERM). */
int orphan_check(struct master *m, uint64_t now, uint64_t *wake);
/* Whether the command was ended for want of a client: its status is then kept for no one. */
int orphan_ended(const struct master *m);

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
/* inq_advance's callback: INPUT `seq` of dedup slot `slot` is written; ctx is the master.
 * A terminal's clients are told at once; a pipes session's by pipes_ack_due, in batches. */
void mclient_ack_written(void *m, int slot, uint64_t seq);
int mclient_attached_count(const struct master *m);
/* Whether an attached client counts as live: it holds the PTY back when it is behind. */
/* Used by mpipes.c */
void mclient_queue_msg(struct master *m, struct client *c, struct hf_msg *msg, uint64_t after);
void mclient_ack(struct master *m, struct client *c, uint64_t seq);
int mclient_protocol_error(struct client *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A connection to the resume socket of client id `id` (push.c): answered as an attach. */
void master_push_attach(struct master *m, int fd, const uint8_t *id);
/* ...by the client made for it: HELLO at version 5 and ATTACH_V2 after what `id` said it
 * showed. -1 when it was answered with an ERROR instead. */
int mclient_push_attach(struct master *m, struct client *c, const uint8_t *id);
/* Sends the control frames already in tx[0..pre) and the next data frame (OUTPUT or
 * ERR_OUTPUT) of stream r from *next up to bound, in one writev: 1 sent (or partly, the
 * rest in tx), 2 EAGAIN (tx unchanged), -1 error. */
int mclient_send_data(struct client *c, size_t pre, uint8_t type, const struct ring *r,
                      uint64_t *next, uint64_t bound);
/* Whether c's input could still reach the command (0: it is ignored, not acknowledged). */
int mclient_input_open(const struct master *m);
int mclient_is_live(const struct master *m, const struct client *c, uint64_t now);
/* When a live client that is behind stops counting as live (UINT64_MAX: not by time). */
uint64_t mclient_live_until(const struct client *c);

#endif
