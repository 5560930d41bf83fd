/* proto.h - wire constants of the Holdfast agent protocol (PROTOCOL.md, versions 1..5).
 *
 * One header for every number that travels on the wire. Type numbers are never reused:
 * a retired type stays here, commented as retired. */
#ifndef HF_PROTO_H
#define HF_PROTO_H

#define HF_PROTO_MIN 1              /* oldest protocol version this agent speaks */
#ifndef HF_PROTO_MAX /* a test seam: tests build an older agent with -DHF_PROTO_MAX=1 */
#define HF_PROTO_MAX 5              /* newest protocol version this agent speaks */
#endif

#define HF_HEADER_LEN 5             /* u8 type + u32 payload length */
#define HF_MAX_PAYLOAD (1u << 20)   /* 1 MiB: a longer frame is malformed */
#define HF_MAX_DATA 65536u          /* data bytes in one INPUT or OUTPUT */
#define HF_MAX_CLIENT_NAME 256u     /* HELLO client_name */
#define HF_CLIENT_ID_LEN 16         /* ATTACH client_id */
#define HF_PROTO_PUSH 5             /* resume sockets (push.h) from this version on */
#define HF_PUSH_ID_BYTES 8          /* client id bytes (hex) in a resume socket's name */
#define HF_PUSH_NAME_MAX 64         /* ID.HEX.sock: 32 + 1 + 16 + 5, and the NUL */
#define HF_MAX_WINSIZE 4096         /* RESIZE cols/rows upper bound */

/* client -> agent */
#define MSG_HELLO 0x01              /* u16 min, u16 max, client_name */
#define MSG_ATTACH 0x02             /* client_id[16], u64 offset, u8 flags (version 1 only;
                                       retired in 2 by ATTACH_V2) */
#define MSG_INPUT 0x03              /* u64 seq, data */
#define MSG_RESIZE 0x04             /* u16 cols, u16 rows */
#define MSG_SIGNAL 0x05             /* u8 wire signal */
#define MSG_DETACH 0x06             /* empty */
#define MSG_PING 0x07               /* u64 token */
#define MSG_INFO 0x08               /* empty */
#define MSG_KEEPALIVE 0x09          /* empty; version 2 */
#define MSG_ATTACH_V2 0x0a          /* client_id[16], u64 offset, u8 flags, u64 input_sent;
                                       version 2 */
#define MSG_SHOWN 0x0b              /* u64 offset: all output before it is shown; version 3 */
/* agent forwarding, version 4 (0x10..0x13 are this feature's) */
#define MSG_AGENT_READY 0x10        /* empty: this client answers agent requests */
#define MSG_AGENT_REPLY 0x11        /* u32 request_id, agent message */
/* Pipes (commands without a terminal), version 4 */
#define MSG_ATTACH_PIPES 0x0c       /* client_id[16], u64 offset, u8 flags, u64 input_sent,
                                       u64 err_offset */
#define MSG_PIPES_SHOWN 0x0d        /* u64 out_offset, u64 err_offset: written by the client */
#define MSG_INPUT_EOF 0x0e          /* u64 seq: end of input, sequenced like INPUT */

/* agent -> client */
#define MSG_WELCOME 0x81            /* u16 version, agent_version */
#define MSG_ATTACHED 0x82           /* u64 input_acked, u64 ring_start, u64 end_offset,
                                       u16 cols, u16 rows, u32 pid */
#define MSG_OUTPUT 0x83             /* u64 offset, data */
#define MSG_GAP 0x84                /* u64 from, u64 to */
#define MSG_ACK 0x85                /* u64 seq */
#define MSG_EXIT 0x86               /* u64 end_offset, i32 status */
#define MSG_ERROR 0x87              /* u16 code, message */
#define MSG_PONG 0x88               /* u64 token */
#define MSG_INFO_REPLY 0x89         /* JSON object */
/* agent forwarding, version 4 (0x8e..0x91 are this feature's) */
#define MSG_AGENT_REQUEST 0x8e      /* u32 request_id, agent message */
#define MSG_AGENT_NONE 0x8f         /* empty: AGENT_READY on a session without an agent
                                       socket (started without --forward-agent) */

/* Agent forwarding (PROTOCOL.md "Agent forwarding"). */
#define HF_AGENT_MAX_MSG 65536u     /* bytes in one ssh-agent message body: far more than a
                                       key list or a signature request needs, and it fits
                                       one frame the way INPUT does (OpenSSH's own agent
                                       allows 256 KiB, an oversized one is refused there too) */
#define HF_AGENT_WAIT_MS 30000      /* a request with no client to answer it waits this
                                       long, then gets SSH_AGENT_FAILURE: long enough for a
                                       reconnect after a Wi-Fi change or a short outage, short
                                       enough that ssh or git in the session fails visibly
                                       instead of hanging */
#define HF_AGENT_MAX_CONNS 32       /* programs connected to a session's agent socket at once */
/* Pipes, version 4 */
#define MSG_ERR_OUTPUT 0x8a         /* u64 offset, data: the command's stderr */
#define MSG_ERR_GAP 0x8b            /* u64 from, u64 to: stderr no longer held */
#define MSG_ATTACHED_PIPES 0x8c     /* u64 input_acked, u64 ring_start, u64 end_offset,
                                       u64 err_start, u64 err_end, u64 from, u64 err_from,
                                       u32 pid */
#define MSG_EXIT_PIPES 0x8d         /* u64 end_offset, u64 err_end, i32 status, u8 signal */

/* On the session's own socket only, never over SSH: `bridge` hands the master the stdin
 * and stdout it was started with (SCM_RIGHTS), and then only waits; the master reads
 * the client's frames from the one and writes its own to the other (PROTOCOL.md
 * "Bridge"). A master from before ADOPT answers ERROR, and the bridge relays instead. */
#define MSG_ADOPT 0x20              /* empty, first and alone on a new connection */
#define MSG_ADOPTED 0xa0            /* empty: taken; that connection now only holds the bridge */

/* ATTACH flags */
#define HF_ATTACH_REDRAW 0x01       /* wiggle the window size so full-screen programs redraw */
#define HF_ATTACH_FROM_END 0x02     /* ignore offset, start at the end of output */
#define HF_ATTACH_FLAGS_ALL 0x03
#define HF_ATTACH_TAIL 0x08         /* version 4: start at most `offset` bytes before the end,
                                       at a line start; what is skipped comes as a GAP */
#define HF_ATTACH_FLAGS_V4 (HF_ATTACH_FLAGS_ALL | HF_ATTACH_TAIL)
#define HF_TAIL_ALIGN_MAX 65536u    /* bytes searched for a line start after the tail's first
                                       byte: a line longer than this starts mid-line */
#define HF_ATTACH_FROM_ACKED 0x04   /* ATTACH_PIPES: start both streams at what the session's
                                       pipes clients acknowledged (PIPES_SHOWN) */
#define HF_ATTACH_PIPES_FLAGS_ALL 0x04

/* ERROR codes */
#define HF_ERR_VERSION 1
#define HF_ERR_PROTOCOL 2
#define HF_ERR_OFFSET 3
#define HF_ERR_BUSY 4
#define HF_ERR_INTERNAL 5
#define HF_ERR_TIMEOUT 6            /* handshake not done within HELLO_TIMEOUT */
#define HF_ERR_INPUT_LOST 7         /* the agent no longer remembers this client id's input */

/* SIGNAL numbers on the wire (fixed, whatever the server's OS calls them) */
#define HF_WSIG_HUP 1
#define HF_WSIG_INT 2
#define HF_WSIG_QUIT 3
#define HF_WSIG_KILL 9
#define HF_WSIG_USR1 10
#define HF_WSIG_USR2 12
#define HF_WSIG_TERM 15
#define HF_WSIG_CONT 18
#define HF_WSIG_STOP 19
#define HF_WSIG_WINCH 28

/* Flow control and lifetime (PROTOCOL.md "Sessions, offsets and flow control",
 * "Exit and grace"). */
#define HF_WINDOW (1u << 20)        /* bytes a draining client may have queued */
#define HF_SHOWN_WINDOW (256u << 10) /* version 3: bytes read from the PTY beyond what the
                                       client has shown. What is in flight after Ctrl-C:
                                       256 KiB is ~60 ms of a 4 MB/s link and well above a
                                       loopback ssh round trip's worth at full speed, while
                                       the tty flushes the rest on SIGINT. The least
                                       window: wnd.c sizes it to the path measured */
#define HF_SHOWN_WINDOW_MAX (4u << 20) /* version 3: the most it grows to: 2x the product
                                       of 16 MB/s and 120 ms, half the default ring */
#define HF_STALL_MS 2000            /* version 1 client: no progress this long, it stops
                                       holding the PTY back (it may be a half-open link) */
#define HF_KEEPALIVE_MS 4000        /* version 2 client: sends a frame at least this often */
#define HF_LIVE_LIMIT_MS 15000      /* version 2 client: heard from within this, it is live
                                       and, when the only reader, waited for however slow;
                                       almost 4 keepalives, so a lost or delayed one on a
                                       lossy link is no false alarm, and a dead link stops
                                       holding the job within 15 s */
#define HF_EXIT_LINGER_MS 5000      /* after the first EXIT delivered */
#define HF_EXIT_GRACE_MS (24L * 3600 * 1000) /* nobody collects the exit status */
#define HF_MAX_CLIENTS 64           /* attached clients per session */
#define HF_HELLO_TIMEOUT_MS 10000   /* connect to ATTACH/INFO: one round trip on the worst
                                       link takes seconds, a silent peer keeps a slot forever */

#endif
