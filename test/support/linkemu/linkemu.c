/*
 * linkemu: a packet-level link emulator for the test bed, in userspace because this
 * kernel has no sch_netem. It owns two TUN devices, one in the client network namespace
 * and one in the server namespace, and relays every IP packet between them with, per
 * direction: a one-way delay, Bernoulli loss from a seeded PRNG, a rate limit by
 * serialisation time with a bounded queue (tail drop), and a black-hole switch.
 *
 *   netns <client>                     this process                     netns <server>
 *   DEV 10.x.y.1 peer .2  <-- fd -->  [c2s: queue→wire→delay]  <-- fd -->  DEV 10.x.y.2 peer .1
 *                                     [s2c: queue→wire→delay]
 *
 * Usage: linkemu --client NS --server NS [--dev NAME] [--delay-us N] [--loss-ppm N]
 *                [--rate-bps N] [--queue-us N] [--seed N]
 * Every figure applies to each direction, each with its own queue, PRNG and counters.
 * Once both devices exist it prints "ready" on stdout; the caller then addresses them
 * and brings them up (`ip -n NS ...`). Commands on stdin, one per line, each answered by
 * one line on stdout:
 *   blackhole  drop every packet both ways from now on, those in flight too ("ok blackhole")
 *   pass       forward again ("ok pass")
 *   stats      {"c2s":{...},"s2c":{...}} counters since the start
 *   set KEY N  change one figure from now on (delay-us, loss-ppm, rate-bps, queue-us), as a
 *              link that gets slower or lossier does; packets already in flight keep
 *              theirs ("ok set")
 * EOF on stdin ends it; the devices vanish with it (they are not persistent).
 *
 * Per packet, in order: the black hole (nothing else counts it); the bottleneck queue
 * (departure = max(now, when the link is free) + bytes*8/rate; a packet that would wait
 * longer than --queue-us is tail-dropped: a router buffer sized in time, which is what a
 * user feels as added latency, whatever the packet sizes); the wire, where a lost packet
 * still took its serialisation time (a corrupted frame used the air); then the delay.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* Largest packet read from a TUN device: its MTU is 1500, but a caller may raise it. */
#define LE_PKT_MAX 65536
/* Packets in flight per direction (queue + delay line), a power of two. At a full
 * loopback rate the delay line would hold rate x delay; past this the packet is counted
 * as an overflow drop rather than growing memory without bound: 65536 x 1500 bytes is
 * ~98 MB, far beyond what a test's links carry. */
#define LE_INFLIGHT_MAX 65536u
/* Default bottleneck queue: 250 ms of serialisation. About one bandwidth-delay product at
 * link c (2 Mbit/s x 300 ms = 75 KB; 250 ms = 62.5 KB), the classic buffer size that lets
 * one TCP flow fill the link without adding more than a round trip of bufferbloat. */
#define LE_QUEUE_US_DEFAULT 250000ull
#define LE_PPM 1000000u

struct le_pkt {
    uint64_t due_ns; /* when it leaves the delay line */
    uint32_t len;
    unsigned char data[];
};

struct le_counts {
    uint64_t passed;     /* written to the other side */
    uint64_t lost;       /* Bernoulli loss on the wire */
    uint64_t qdropped;   /* tail drop: the queue held more than --queue-us */
    uint64_t blackholed; /* dropped by the black hole (at entry or in flight) */
    uint64_t overflow;   /* LE_INFLIGHT_MAX packets already in flight */
    uint64_t wfail;      /* the far device refused the write */
    uint64_t bytes;      /* bytes passed */
    uint64_t max_queue_ns; /* the longest queueing delay a passed packet saw */
};

struct le_dir {
    const char *name;
    int in, out;           /* TUN fds: read from, write to */
    uint64_t free_ns;      /* when the bottleneck finishes what is queued */
    uint64_t rng;          /* splitmix64 state, seeded per direction */
    struct le_pkt *q[LE_INFLIGHT_MAX];
    unsigned head, tail;   /* q[head..tail) in flight, due times non-decreasing */
    struct le_counts n;
};

struct le_cfg {
    uint64_t delay_ns;
    uint32_t loss_ppm;
    uint64_t rate_bps; /* 0: no rate limit */
    uint64_t queue_ns;
};

static struct le_cfg cfg;
static int blackholed;

static void le_die(const char *what)
{
    fprintf(stderr, "linkemu: %s: %s\n", what, strerror(errno));
    exit(1);
}

static uint64_t le_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, seedable, good enough for Bernoulli draws. */
static uint64_t le_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Creates TUN device `dev` inside namespace `ns` (entered for the ioctl only: a TUN
 * device belongs to the namespace current at TUNSETIFF; the fd works from anywhere). */
static int le_tun_in(const char *ns, const char *dev, int home)
{
    char path[256];
    struct ifreq ifr;
    int nsfd, fd;
    snprintf(path, sizeof path, "/run/netns/%s", ns);
    nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0)
        le_die(path);
    close(nsfd);
    fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        le_die("/dev/net/tun");
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        le_die("TUNSETIFF");
    if (setns(home, CLONE_NEWNET) < 0)
        le_die("setns back");
    return fd;
}

static void le_drop_inflight(struct le_dir *d)
{
    while (d->head != d->tail) {
        free(d->q[d->head++ % LE_INFLIGHT_MAX]);
        d->n.blackholed++;
    }
}

/* One packet read from d->in at `now`: the black hole, the queue, the wire, the delay. */
static void le_admit(struct le_dir *d, const unsigned char *buf, uint32_t len, uint64_t now)
{
    uint64_t start = now, qdelay = 0, due;
    struct le_pkt *p;
    if (blackholed) {
        d->n.blackholed++;
        return;
    }
    if (cfg.rate_bps) {
        if (d->free_ns > now)
            start = d->free_ns;
        qdelay = start - now;
        if (qdelay > cfg.queue_ns) {
            d->n.qdropped++;
            return;
        }
        d->free_ns = start + (uint64_t)len * 8u * 1000000000ull / cfg.rate_bps;
        start = d->free_ns;
    }
    if (cfg.loss_ppm && le_rand(&d->rng) % LE_PPM < cfg.loss_ppm) {
        d->n.lost++;
        return;
    }
    if (d->tail - d->head >= LE_INFLIGHT_MAX) {
        d->n.overflow++;
        return;
    }
    due = start + cfg.delay_ns;
    p = malloc(sizeof *p + len);
    if (!p)
        le_die("malloc");
    p->due_ns = due;
    p->len = len;
    memcpy(p->data, buf, len);
    d->q[d->tail++ % LE_INFLIGHT_MAX] = p;
    if (qdelay > d->n.max_queue_ns)
        d->n.max_queue_ns = qdelay;
}

static void le_read_all(struct le_dir *d)
{
    static unsigned char buf[LE_PKT_MAX];
    for (;;) {
        ssize_t r = read(d->in, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return;
            le_die("read");
        }
        le_admit(d, buf, (uint32_t)r, le_now());
    }
}

/* Writes every packet whose delay is over; returns when the next one is due (or 0). */
static uint64_t le_deliver(struct le_dir *d, uint64_t now)
{
    while (d->head != d->tail) {
        struct le_pkt *p = d->q[d->head % LE_INFLIGHT_MAX];
        if (p->due_ns > now)
            return p->due_ns;
        d->head++;
        if (write(d->out, p->data, p->len) == (ssize_t)p->len) {
            d->n.passed++;
            d->n.bytes += p->len;
        } else {
            d->n.wfail++;
        }
        free(p);
    }
    return 0;
}

static void le_print_dir(const struct le_dir *d)
{
    printf("\"%s\":{\"passed\":%llu,\"lost\":%llu,\"qdropped\":%llu,\"blackholed\":%llu,"
           "\"overflow\":%llu,\"wfail\":%llu,\"bytes\":%llu,\"maxQueueUs\":%llu,"
           "\"inflight\":%u}",
           d->name, (unsigned long long)d->n.passed, (unsigned long long)d->n.lost,
           (unsigned long long)d->n.qdropped, (unsigned long long)d->n.blackholed,
           (unsigned long long)d->n.overflow, (unsigned long long)d->n.wfail,
           (unsigned long long)d->n.bytes, (unsigned long long)(d->n.max_queue_ns / 1000),
           d->tail - d->head);
}

/* A whole number, or -1 (with a message on stdout for a command, on stderr for argv). */
static int le_parse(const char *v, uint64_t *n)
{
    char *end;
    errno = 0;
    *n = strtoull(v ? v : "", &end, 10);
    return v && !errno && !*end && end != v && v[0] != '-' ? 0 : -1;
}

/* Sets one figure by its option name (without "--"); -1 when the name or value is bad. */
static int le_set_figure(const char *key, const char *v)
{
    uint64_t n;
    if (le_parse(v, &n) < 0)
        return -1;
    if (strcmp(key, "delay-us") == 0)
        cfg.delay_ns = n * 1000u;
    else if (strcmp(key, "loss-ppm") == 0 && n <= LE_PPM)
        cfg.loss_ppm = (uint32_t)n;
    else if (strcmp(key, "rate-bps") == 0)
        cfg.rate_bps = n;
    else if (strcmp(key, "queue-us") == 0)
        cfg.queue_ns = n * 1000u;
    else
        return -1;
    return 0;
}

/* "KEY N" from a set command. */
static void le_set(char *arg)
{
    char *sp = strchr(arg, ' ');
    if (sp)
        *sp = 0;
    if (!sp || le_set_figure(arg, sp + 1) < 0)
        printf("error set takes delay-us, loss-ppm (0..%u), rate-bps or queue-us and a whole "
               "number\n",
               LE_PPM);
    else
        printf("ok set\n");
}

/* Reads what stdin has, runs each complete line; returns 0 on EOF. */
static int le_commands(struct le_dir *dirs)
{
    static char line[256];
    static size_t have;
    ssize_t r = read(0, line + have, sizeof line - 1 - have);
    char *nl;
    if (r <= 0)
        return r < 0 && errno == EINTR;
    have += (size_t)r;
    line[have] = 0;
    while ((nl = strchr(line, '\n'))) {
        *nl = 0;
        if (line[0] == 0) {
            /* an empty line asks nothing */
        } else if (strcmp(line, "blackhole") == 0) {
            blackholed = 1;
            le_drop_inflight(&dirs[0]);
            le_drop_inflight(&dirs[1]);
            printf("ok blackhole\n");
        } else if (strcmp(line, "pass") == 0) {
            blackholed = 0;
            printf("ok pass\n");
        } else if (strncmp(line, "set ", 4) == 0) {
            le_set(line + 4);
        } else if (strcmp(line, "stats") == 0) {
            printf("{");
            le_print_dir(&dirs[0]);
            printf(",");
            le_print_dir(&dirs[1]);
            printf(",\"blackholed\":%s}\n", blackholed ? "true" : "false");
        } else {
            printf("error unknown command '%s' (blackhole, pass, stats, set)\n", line);
        }
        if (line[0])
            fflush(stdout);
        have -= (size_t)(nl + 1 - line);
        memmove(line, nl + 1, have + 1);
    }
    if (have == sizeof line - 1)
        have = 0; /* a line that long is no command: forget it */
    return 1;
}

int main(int argc, char **argv)
{
    static struct le_dir dirs[2];
    const char *cns = NULL, *sns = NULL, *dev = "hf0";
    uint64_t seed = 1;
    int i, home;
    cfg.queue_ns = LE_QUEUE_US_DEFAULT * 1000u;
    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--client") == 0)
            cns = v;
        else if (strcmp(argv[i], "--server") == 0)
            sns = v;
        else if (strcmp(argv[i], "--dev") == 0)
            dev = v;
        else if (strcmp(argv[i], "--seed") == 0 && le_parse(v, &seed) == 0)
            ;
        else if (strncmp(argv[i], "--", 2) != 0 || le_set_figure(argv[i] + 2, v) < 0) {
            fprintf(stderr, "linkemu: bad option '%s %s'\n", argv[i], v ? v : "");
            return 2;
        }
        i++;
    }
    if (!cns || !sns || !dev) {
        fprintf(stderr, "linkemu: needs --client NS --server NS\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0)
        le_die("/proc/self/ns/net");
    dirs[0].name = "c2s";
    dirs[1].name = "s2c";
    dirs[0].in = dirs[1].out = le_tun_in(cns, dev, home);
    dirs[1].in = dirs[0].out = le_tun_in(sns, dev, home);
    /* Distinct streams per direction from one seed. */
    dirs[0].rng = seed * 2 + 1;
    dirs[1].rng = seed * 2 + 2;
    printf("ready\n");
    fflush(stdout);

    for (;;) {
        struct pollfd pf[3] = {
            { .fd = 0, .events = POLLIN },
            { .fd = dirs[0].in, .events = POLLIN },
            { .fd = dirs[1].in, .events = POLLIN },
        };
        uint64_t now = le_now(), next = 0;
        struct timespec ts, *tp = NULL;
        for (i = 0; i < 2; i++) {
            uint64_t due = le_deliver(&dirs[i], now);
            if (due && (!next || due < next))
                next = due;
        }
        if (next) {
            uint64_t wait = next - now;
            ts.tv_sec = (time_t)(wait / 1000000000ull);
            ts.tv_nsec = (long)(wait % 1000000000ull);
            tp = &ts;
        }
        if (ppoll(pf, 3, tp, NULL) < 0) {
            if (errno == EINTR)
                continue;
            le_die("ppoll");
        }
        if (pf[1].revents & POLLIN)
            le_read_all(&dirs[0]);
        if (pf[2].revents & POLLIN)
            le_read_all(&dirs[1]);
        if (pf[0].revents & (POLLIN | POLLHUP) && !le_commands(dirs))
            return 0;
    }
}
