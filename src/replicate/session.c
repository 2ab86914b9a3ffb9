/* SPDX-License-Identifier: ISC */
/*
 * session.c - the sync protocol's driver (docs/PROTOCOL.md): hello and heads
 * exchange, then the phases in which each side streams what the other lacks
 * (src/replicate/plan.c) and receives, verifies and appends the other's
 * batches and fork evidence; the public avow_sync_client(), avow_sync_serve()
 * and avow_sync_local(). Frames are src/replicate/wire.c.
 *
 * Invariants (tests/unit/test_sync.c, tests/unit/test_sync_crash.c):
 *  1. Each received batch is appended with one transaction (verified: decode,
 *     signature, id, seq continuity, prev link), so an interrupted session
 *     leaves whole batches and a re-run continues where it stopped.
 *  2. A bad batch or frame is answered with an error frame naming the author
 *     and seq; nothing of that batch is stored; the session fails.
 *  3. The conversation is turn-based (docs/PROTOCOL.md), so neither side ever
 *     writes while the other is blocked writing: no deadlock on pipes.
 *  4. Receiving is pipelined: batch k is verified on the worker pool while
 *     batch k - 1, already verified, is appended (store_append_signed_checked
 *     re-checks only what failed, so errors are reported in order). Batch k
 *     is read ahead only when its bytes are already there: before waiting
 *     for the peer, before any other frame and when the connection breaks,
 *     the pending batch is appended first, so the ledger ends with exactly
 *     the whole valid batches received (invariant 1) and a peer waiting for
 *     an answer gets it as before. The receiver keeps the map pages it reads
 *     within STORE_RSS_BUDGET inside its append transactions (store.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event/jobs.h"
#include "replicate/accept.h"
#include "replicate/plan.h"
#include "replicate/wire.h"

struct session {
    avow_ledger *ledger;
    wire_conn *conn;
    const avow_sync_opts *opts;
    avow_sync_stats *stats;
    headlist peer_heads, peer_evidence;
    headlist replies; /* evidence we stored: answer with our side */
    avow_buf frame;   /* outgoing */
    avow_buf in;      /* incoming payload */
    uint32_t batch_n;
    uint32_t fork_n;
    avow_buf forks; /* outgoing fork frame */
    const unsigned char **evs;
    size_t *lens;
    int peer_failed; /* the peer sent an error frame */
    /* Receive pipeline (invariant 4): the batch parsed last is verified on
     * the pool while the one before it, already verified, is appended. */
    pool *pool;
    jobs_verify_job vjob;
    unsigned char *ok;  /* per event of evs: verified */
    codec_hashes *hash; /* per verified event of evs: its hashes */
    avow_buf pin;       /* the pending batch: its frame, events, flags */
    const unsigned char **pevs;
    size_t *plens;
    unsigned char *pok;
    codec_hashes *phash;
    uint32_t pn;
    int pending;
    uint64_t batches; /* batch frames received */
    int accept;       /* this side stores the batches the peer streams (it pulls) */
    int accept_forks; /* and its fork evidence (a server: always, see avow_sync_serve) */
};

/* Send an error frame (best effort) and return code with the message kept. */
static int
session_fail(struct session *s, int code)
{
    char msg[512];
    (void)snprintf(msg, sizeof(msg), "%s", avow_error_last());
    size_t n = strlen(msg);
    if (wire_frame_begin(&s->frame, WIRE_ERROR) == 0 && buf_put(&s->frame, msg, n) == 0) {
        (void)wire_frame_send(s->conn, &s->frame);
    }
    return error_set(code, "%s", msg);
}

/* The peer's error frame, in s->in. */
static int
session_refused(struct session *s)
{
    char text[401];
    size_t n = 0;
    const unsigned char *p = s->in.ptr;
    s->peer_failed = 1;
    /* The peer's text is shown to the user: terminal and bidi controls become '?'
     * (as event text is printed), so a peer cannot drive or fake the terminal. */
    for (size_t i = 0; i < s->in.len && n < sizeof(text) - 1;) {
        uint32_t cp = p[i];
        size_t k = p[i] < 0x80 ? 1 : buf_utf8_seq(p + i, s->in.len - i, &cp);
        if (k == 0 || cp == 0 || buf_cp_is_control(cp) || n + k > sizeof(text) - 1) {
            text[n++] = '?';
            i += k == 0 ? 1 : k;
            continue;
        }
        memcpy(text + n, p + i, k);
        n += k;
        i += k;
    }
    text[n] = '\0';
    return error_set(AVOW_EVERIFY, "the peer refused: %s", text);
}

static int
session_hello_send(struct session *s, unsigned int flags)
{
    return wire_hello_send(s->conn, &s->frame, flags, avow_ledger_origin(s->ledger));
}

static int
session_hello_read(struct session *s, unsigned int *flags)
{
    uint8_t type = 0;
    int error;
    if ((error = wire_frame_read(s->conn, &type, &s->in)) < 0) {
        return error;
    }
    if (type == WIRE_ERROR) {
        return session_refused(s);
    }
    if (type != WIRE_HELLO) {
        return error_set(AVOW_EFORMAT, "the peer does not speak the avow sync protocol");
    }
    return wire_hello_parse(&s->in, flags, s->stats != NULL ? s->stats->peer_origin : NULL);
}

static int
session_heads_send(struct session *s)
{
    headlist heads = HEADLIST_INIT, evidence = HEADLIST_INIT;
    int error;
    if ((error = headlist_load(s->ledger, &heads, &evidence)) < 0 ||
        (error = wire_heads_send(s->conn, &s->frame, WIRE_HEADS, &heads)) < 0 ||
        (error = wire_heads_send(s->conn, &s->frame, WIRE_EVIDENCE_HAVE, &evidence)) < 0 ||
        (error = wire_frame_simple(s->conn, WIRE_HEADS_END)) < 0) {
        goto done;
    }
done:
    headlist_free(&heads);
    headlist_free(&evidence);
    return error;
}

static int
session_heads_read(struct session *s)
{
    int error;
    for (;;) {
        uint8_t type = 0;
        if ((error = wire_frame_read(s->conn, &type, &s->in)) < 0) {
            return error;
        }
        if (type == WIRE_HEADS_END) {
            return 0;
        }
        if (type == WIRE_ERROR) {
            return session_refused(s);
        }
        if ((type != WIRE_HEADS && type != WIRE_EVIDENCE_HAVE) || s->in.len < 4) {
            return error_set(AVOW_EFORMAT, "the peer sent frame type %u instead of heads", type);
        }
        headlist *h = type == WIRE_HEADS ? &s->peer_heads : &s->peer_evidence;
        if ((error = wire_heads_parse(&s->in, h)) < 0) {
            return error;
        }
        if (type == WIRE_HEADS && !headlist_one_per_author(h)) {
            return error_set(AVOW_EFORMAT, "the peer sent two heads for one author");
        }
    }
}

/* Outgoing batches: events and evidence are packed into frames. */
static int
session_flush(struct session *s)
{
    int error;
    if ((error = wire_batch_send(s->conn, &s->frame, &s->batch_n)) < 0) {
        return error;
    }
    return wire_batch_send(s->conn, &s->forks, &s->fork_n);
}

static int
session_emit(void *ctx, const unsigned char *raw, size_t len, int evidence)
{
    struct session *s = ctx;
    avow_buf *f = evidence ? &s->forks : &s->frame;
    uint32_t *n = evidence ? &s->fork_n : &s->batch_n;
    int error;
    if (wire_batch_full(f, *n, len) && (error = session_flush(s)) < 0) {
        return error;
    }
    if ((error = wire_batch_add(f, n, evidence ? WIRE_FORK : WIRE_BATCH, raw, len)) < 0) {
        return error;
    }
    if (!evidence && s->stats != NULL) {
        s->stats->sent++;
    }
    return 0;
}

/* Send what the peer lacks (PLAN_* parts), then done. */
static int
session_send(struct session *s, unsigned int what)
{
    int error;
    s->batch_n = 0;
    s->fork_n = 0;
    if (what != 0) {
        error = plan_collect(s->ledger, what, &s->peer_heads, &s->peer_evidence, &s->replies,
                             session_emit, s, NULL);
        if (error < 0) {
            return error;
        }
        if ((error = session_flush(s)) < 0) {
            return error;
        }
    }
    s->replies.n = 0;
    return wire_frame_simple(s->conn, WIRE_DONE);
}

/* Append the pending batch, whose signatures the pool checked (invariant 4). */
static int
session_recv_flush(struct session *s)
{
    avow_append_result res;
    size_t forks = 0;
    int error;
    if (!s->pending) {
        return 0;
    }
    s->pending = 0;
    error = store_append_signed_checked(s->ledger, &res, &forks, s->pevs, s->plens, s->pn, s->pok,
                                        s->phash);
    if (error < 0) {
        if (error == AVOW_EIO || error == AVOW_ENOMEM || error == AVOW_EFULL ||
            error == AVOW_ELOCK) {
            return session_fail(s, error);
        }
        accept_batch_error(error, s->pevs, s->plens, s->pn, res.failed_at);
        return session_fail(s, error == AVOW_EINVALID ? AVOW_EFORMAT : error);
    }
    if (s->stats != NULL) {
        s->stats->received += res.appended;
        s->stats->duplicates += res.duplicates;
        s->stats->forks += forks;
        if (s->opts != NULL && s->opts->on_progress != NULL &&
            (error = s->opts->on_progress(s->stats->received, 0, s->opts->payload)) < 0) {
            return session_fail(s, error);
        }
    }
    return 0;
}

/* A batch frame was parsed into s->evs: verify it on the pool while the
 * pending one is appended, then make it the pending one. */
static int
session_recv_batch(struct session *s, uint32_t n)
{
    int error;
    if (s->pool == NULL && n >= POOL_MIN_BATCH && pool_cores() > 1 &&
        (error = pool_new(&s->pool, (size_t)-1)) < 0) {
        return session_fail(s, error);
    }
    s->vjob.ok = s->ok;
    s->vjob.events = s->evs;
    s->vjob.lens = s->lens;
    s->vjob.hashes = s->hash;
    jobs_verify_start(s->pool, &s->vjob, n);
    error = session_recv_flush(s);
    pool_wait(s->pool);
    if (error < 0) {
        return error;
    }
    /* Swap the buffers: the events point into their own frame buffer. */
    avow_buf tb = s->pin;
    s->pin = s->in;
    s->in = tb;
    const unsigned char **te = s->pevs;
    s->pevs = s->evs;
    s->evs = te;
    size_t *tl = s->plens;
    s->plens = s->lens;
    s->lens = tl;
    unsigned char *to = s->pok;
    s->pok = s->ok;
    s->ok = to;
    codec_hashes *th = s->phash;
    s->phash = s->hash;
    s->hash = th;
    s->pn = n;
    s->pending = 1;
    if (s->batches++ == 0) {
        /* The first batch is appended at once: progress is reported as soon
         * as something is stored, and a one-batch sync waits for nothing. */
        return session_recv_flush(s);
    }
    return 0;
}

/* Receive until done: batches are appended, evidence is stored. */
static int
session_recv(struct session *s)
{
    int error;
    for (;;) {
        uint8_t type = 0;
        uint32_t n = 0;
        /* Never wait for the peer with a batch pending: a peer may wait for
         * our answer after its last batch (invariant 4). */
        if (s->pending && !wire_ready(s->conn) && (error = session_recv_flush(s)) < 0) {
            return error;
        }
        if ((error = wire_frame_read(s->conn, &type, &s->in)) < 0) {
            /* Whole verified batches are kept (invariant 1). */
            int kept = session_recv_flush(s);
            if (kept < 0) {
                return kept;
            }
            if (error == AVOW_EFORMAT || error == AVOW_ERANGE) {
                return session_fail(s, AVOW_EFORMAT);
            }
            return error;
        }
        if (type != WIRE_BATCH && (error = session_recv_flush(s)) < 0) {
            return error;
        }
        if ((type == WIRE_BATCH && !s->accept) || (type == WIRE_FORK && !s->accept_forks)) {
            /* --push only sends: a stream this side did not ask for is refused. */
            int kept = session_recv_flush(s);
            error_set(AVOW_EFORMAT, "the peer sent events, but this side does not pull");
            return kept < 0 ? kept : session_fail(s, AVOW_EFORMAT);
        }
        switch (type) {
        case WIRE_DONE:
            return 0;
        case WIRE_ERROR:
            return session_refused(s);
        case WIRE_BATCH: {
            if ((error = wire_batch_parse(&s->in, s->evs, s->lens, &n)) < 0) {
                int kept = session_recv_flush(s);
                return kept < 0 ? kept : session_fail(s, AVOW_EFORMAT);
            }
            if ((error = session_recv_batch(s, n)) < 0) {
                return error;
            }
            break;
        }
        case WIRE_FORK: {
            size_t stored = 0;
            headlist got = HEADLIST_INIT;
            if ((error = wire_batch_parse(&s->in, s->evs, s->lens, &n)) < 0) {
                return session_fail(s, AVOW_EFORMAT);
            }
            error = accept_evidence(s->ledger, s->evs, s->lens, n, &stored, &got);
            if (error < 0) {
                headlist_free(&got);
                return session_fail(s, error);
            }
            for (size_t i = 0; i < got.n && error == 0; i++) {
                error = headlist_push(&s->replies, got.v[i].author, got.v[i].seq, got.v[i].id);
            }
            headlist_free(&got);
            if (error < 0) {
                return error;
            }
            if (s->stats != NULL) {
                s->stats->forks += stored;
            }
            break;
        }
        case WIRE_HELLO:
        case WIRE_HEADS:
        case WIRE_EVIDENCE_HAVE:
        case WIRE_HEADS_END:
        default:
            error_set(AVOW_EFORMAT, "the peer sent frame type %u in the event stream", type);
            return session_fail(s, AVOW_EFORMAT);
        }
    }
}

static int
session_init(struct session *s, avow_ledger *ledger, int in_fd, int out_fd,
             const avow_sync_opts *opts, avow_sync_stats *stats)
{
    memset(s, 0, sizeof(*s));
    if ((s->conn = calloc(1, sizeof(*s->conn))) == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory starting a sync");
    }
    s->conn->in = in_fd;
    s->conn->out = out_fd;
    s->ledger = ledger;
    s->opts = opts;
    s->stats = stats;
    s->evs = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->evs));
    s->lens = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->lens));
    s->ok = calloc(AVOW_SYNC_BATCH_EVENTS, 1);
    s->pevs = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->pevs));
    s->plens = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->plens));
    s->pok = calloc(AVOW_SYNC_BATCH_EVENTS, 1);
    s->hash = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->hash));
    s->phash = calloc(AVOW_SYNC_BATCH_EVENTS, sizeof(*s->phash));
    if (s->evs == NULL || s->lens == NULL || s->ok == NULL || s->pevs == NULL || s->plens == NULL ||
        s->pok == NULL || s->hash == NULL || s->phash == NULL) {
        return error_set(AVOW_ENOMEM, "out of memory starting a sync");
    }
    if (stats != NULL) {
        memset(stats, 0, sizeof(*stats));
    }
    return 0;
}

static void
session_free(struct session *s)
{
    headlist_free(&s->peer_heads);
    headlist_free(&s->peer_evidence);
    headlist_free(&s->replies);
    avow_buf_dispose(&s->frame);
    avow_buf_dispose(&s->forks);
    avow_buf_dispose(&s->in);
    avow_buf_dispose(&s->pin);
    pool_free(s->pool);
    free(s->evs);
    free(s->lens);
    free(s->ok);
    free(s->pevs);
    free(s->plens);
    free(s->pok);
    free(s->hash);
    free(s->phash);
    free(s->conn);
}

static unsigned int
session_flags(const avow_sync_opts *opts)
{
    unsigned int f = opts == NULL ? 0 : opts->flags & (AVOW_SYNC_PULL | AVOW_SYNC_PUSH);
    return f == 0 ? (AVOW_SYNC_PULL | AVOW_SYNC_PUSH) : f;
}

/* After a failed write, the peer may have explained why in an error frame. */
static int
session_peer_reason(struct session *s, int error)
{
    uint8_t type = 0;
    if (error != AVOW_EIO || s->peer_failed) {
        return error;
    }
    char saved[512];
    (void)snprintf(saved, sizeof(saved), "%s", avow_error_last());
    for (int i = 0; i < 64; i++) {
        if (wire_frame_read(s->conn, &type, &s->in) < 0) {
            break;
        }
        if (type == WIRE_ERROR) {
            return session_refused(s);
        }
    }
    return error_set(error, "%s", saved);
}

/*
 * Client: hello, heads; then the server streams (phase 1), the client streams
 * (phase 2), and the server answers evidence (phase 3). docs/PROTOCOL.md.
 */
int
avow_sync_client(avow_sync_stats *stats, avow_ledger *ledger, int in_fd, int out_fd,
                 const avow_sync_opts *opts)
{
    struct session s;
    unsigned int flags = session_flags(opts), peer_flags = 0;
    int error;

    if (ledger == NULL) {
        return error_set(AVOW_EINVALID, "avow_sync_client: missing ledger");
    }
    if ((error = session_init(&s, ledger, in_fd, out_fd, opts, stats)) < 0) {
        goto done;
    }
    if ((error = session_hello_send(&s, flags)) < 0 || (error = session_heads_send(&s)) < 0 ||
        (error = session_hello_read(&s, &peer_flags)) < 0 || (error = session_heads_read(&s)) < 0) {
        goto done;
    }
    s.accept = (flags & AVOW_SYNC_PULL) != 0;
    s.accept_forks = s.accept;
    /* Phase 1: the server's stream (empty unless we pull). */
    if ((error = session_recv(&s)) < 0) {
        goto done;
    }
    /* Phase 2: ours, when pushing; else only where our chain diverges from the
     * server's head: its shorter chain cannot see that fork, and its answer in
     * phase 3 gives us its side (docs/PROTOCOL.md). */
    if ((error = session_send(&s, (flags & AVOW_SYNC_PUSH)   ? PLAN_ALL
                                  : (flags & AVOW_SYNC_PULL) ? PLAN_DIVERGED
                                                             : 0)) < 0) {
        goto done;
    }
    /* Phase 3: the server's answers, then done. */
    error = session_recv(&s);
done:
    if (error < 0) {
        error = session_peer_reason(&s, error);
    }
    session_free(&s);
    return error;
}

int
avow_sync_serve(avow_sync_stats *stats, avow_ledger *ledger, int in_fd, int out_fd,
                const avow_sync_opts *opts)
{
    struct session s;
    unsigned int peer_flags = 0;
    int error;

    if (ledger == NULL) {
        return error_set(AVOW_EINVALID, "avow_sync_serve: missing ledger");
    }
    if ((error = session_init(&s, ledger, in_fd, out_fd, opts, stats)) < 0) {
        goto done;
    }
    if ((error = session_hello_read(&s, &peer_flags)) < 0 || (error = session_heads_read(&s)) < 0) {
        if (error == AVOW_EFORMAT || error == AVOW_ERANGE) {
            error = session_fail(&s, AVOW_EFORMAT);
        }
        goto done;
    }
    if ((error = session_hello_send(&s, session_flags(opts))) < 0 ||
        (error = session_heads_send(&s)) < 0) {
        goto done;
    }
    s.accept = (peer_flags & AVOW_SYNC_PUSH) != 0;
    s.accept_forks = 1; /* fork evidence proves a fork, pushing or not (phase 2) */
    /* Phase 1: what the client lacks, if it pulls. */
    if ((error = session_send(&s, (peer_flags & AVOW_SYNC_PULL) ? PLAN_ALL : 0)) < 0) {
        goto done;
    }
    /* Phase 2: the client's stream. */
    if ((error = session_recv(&s)) < 0) {
        goto done;
    }
    /* Phase 3: our side of the forks it showed us. */
    if ((error = session_send(&s, (peer_flags & AVOW_SYNC_PULL) ? PLAN_REPLIES : 0)) < 0) {
        goto done;
    }
done:
    if (error < 0) {
        error = session_peer_reason(&s, error);
    }
    session_free(&s);
    return error;
}

/* ---- two ledgers of this process ------------------------------------------ */

struct session_local {
    avow_ledger *ledger;
    int fd;
    int error;
    char message[512];
    avow_sync_stats stats;
};

static void *
session_local_serve(void *arg)
{
    struct session_local *p = arg;
    p->error = avow_sync_serve(&p->stats, p->ledger, p->fd, p->fd, NULL);
    if (p->error < 0) {
        (void)snprintf(p->message, sizeof(p->message), "%s", avow_error_last());
    }
    /* Closing our end lets a client blocked on a read see the end. */
    shutdown(p->fd, SHUT_RDWR);
    return NULL;
}

int
avow_sync_local(avow_sync_stats *stats, avow_ledger *ledger, avow_ledger *peer,
                const avow_sync_opts *opts)
{
    struct session_local p;
    pthread_t th;
    int sv[2];
    int error;

    if (ledger == NULL || peer == NULL || ledger == peer) {
        return error_set(AVOW_EINVALID, "avow_sync_local: two different ledgers are needed");
    }
    memset(&p, 0, sizeof(p));
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        return error_set(AVOW_EIO, "socketpair: %s", strerror(errno));
    }
    p.ledger = peer;
    p.fd = sv[1];
    if (pthread_create(&th, NULL, session_local_serve, &p) != 0) {
        close(sv[0]);
        close(sv[1]);
        return error_set(AVOW_ENOMEM, "cannot start a thread for the local peer");
    }
    error = avow_sync_client(stats, ledger, sv[0], sv[0], opts);
    shutdown(sv[0], SHUT_RDWR);
    pthread_join(th, NULL);
    close(sv[0]);
    close(sv[1]);
    /* The first real error: a failing server closes the connection, which
     * the client sees as AVOW_EIO; the server's own code (AVOW_ENOMEM...) is
     * the cause. */
    if (p.error < 0 && (error == 0 || (error == AVOW_EIO && p.error != AVOW_EIO))) {
        error = error_set(p.error, "the peer ledger: %s", p.message);
    }
    return error;
}
