/*
 * gen_run.c - a run of the generator with worker threads; see gen_run.h.
 *
 * Chunk c (CHUNK_BLOCKS blocks of the run) is made by worker c % threads into slot
 * c % n_slots; the calling thread writes chunks 0, 1, 2... in order and hands each slot back.
 * Only whole buffers change hands, under one mutex; each worker has its own struct gen.
 */
#include "sm.h"

#include <pthread.h>

#include "gen_run.h"
#include "gen_write.h"

#define CHUNK_BLOCKS 10
#define PROGRESS_EVERY 100000

enum { SLOT_FREE = 0, SLOT_BUSY, SLOT_READY };

struct slot {
    int state;
    uint64_t chunk;       /* the chunk it holds or is being filled with */
    struct gen_out data;  /* memory buffers */
    struct gen_out truth;
    struct gen_out roles;
    uint64_t profiles;    /* profiles in data */
    int err;
};

struct run {
    const struct gen_run_opts *o;
    uint64_t end, first_block, n_chunks;
    unsigned n_slots;
    struct slot *slots;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop; /* the writer gave up: workers leave */
};

struct worker {
    struct run *run;
    unsigned id;
    int err;
};

/* Fill slot s with chunk c; returns 0 or a negative error. */
static int make_chunk(struct run *run, struct gen *g, uint64_t c, struct slot *s)
{
    const struct gen_run_opts *o = run->o;
    uint64_t b0 = run->first_block + c * CHUNK_BLOCKS;
    uint64_t lo = SM_MAX(o->start, b0 * GEN_BLOCK);
    uint64_t hi = SM_MIN(run->end, (b0 + CHUNK_BLOCKS) * GEN_BLOCK);

    s->data.len = 0;
    s->truth.len = 0;
    s->roles.len = 0;
    s->profiles = 0;
    for (uint64_t i = lo; i < hi;) {
        uint64_t block = i / GEN_BLOCK;
        uint64_t bend = SM_MIN(hi, (block + 1) * GEN_BLOCK);
        gen_plan_block(g, block);
        for (; i < bend; i++) {
            struct gen_profile p;
            gen_render(g, i, &p);
            if (o->csv)
                gen_write_csv(&s->data, &p);
            else
                gen_write_ndjson(&s->data, &p);
            s->profiles++;
            if (o->roles) {
                uint64_t q = 0;
                const char *role = gen_role(g, i, &q);
                int in = role[0] != 'p' || role[1] != 'l'; /* not "plain" */
                in = in && role[0] != 'n';                  /* nor "noise" */
                gen_write_role(&s->roles, p.id, role,
                               in && q >= o->start && q < run->end ? gen_id(g, q) : NULL);
            }
        }
        if (o->truth) {
            const struct gen_truth *t;
            size_t n = gen_truth(g, &t);
            for (size_t k = 0; k < n; k++)
                if (t[k].query >= o->start && t[k].query < run->end &&
                    t[k].partner >= o->start && t[k].partner < run->end)
                    gen_write_truth(&s->truth, gen_id(g, t[k].query), gen_id(g, t[k].partner),
                                    t[k].relevance);
        }
    }
    return s->data.err ? s->data.err : s->truth.err ? s->truth.err : s->roles.err;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *run = w->run;
    struct gen *g = NULL;

    w->err = gen_new(&g, run->o->seed, run->o->preset);
    for (uint64_t c = w->id; c < run->n_chunks; c += run->o->threads) {
        struct slot *s = &run->slots[c % run->n_slots];
        pthread_mutex_lock(&run->mu);
        while (s->state != SLOT_FREE && !run->stop)
            pthread_cond_wait(&run->cv, &run->mu);
        if (run->stop) {
            pthread_mutex_unlock(&run->mu);
            break;
        }
        s->state = SLOT_BUSY;
        s->chunk = c;
        pthread_mutex_unlock(&run->mu);

        s->err = w->err ? w->err : make_chunk(run, g, c, s);

        pthread_mutex_lock(&run->mu);
        s->state = SLOT_READY;
        pthread_cond_broadcast(&run->cv);
        pthread_mutex_unlock(&run->mu);
        if (s->err)
            break;
    }
    gen_destroy(&g);
    return NULL;
}

static int write_all(FILE *f, const struct gen_out *b)
{
    if (b->len && fwrite(b->buf, 1, b->len, f) != b->len)
        return errno ? -errno : -EIO;
    return 0;
}

int gen_run(const struct gen_run_opts *o)
{
    struct run run = {.o = o};
    struct worker *workers = NULL;
    pthread_t *tids = NULL;
    unsigned started = 0;
    uint64_t done = 0;
    int err = 0;

    assert(o->threads >= 1);
    run.end = o->start + o->count;
    run.first_block = o->start / GEN_BLOCK;
    uint64_t last_block = o->count ? (run.end - 1) / GEN_BLOCK : run.first_block;
    run.n_chunks = o->count ? (last_block - run.first_block) / CHUNK_BLOCKS + 1 : 0;
    run.n_slots = 2 * o->threads;
    pthread_mutex_init(&run.mu, NULL);
    pthread_cond_init(&run.cv, NULL);
    run.slots = calloc(run.n_slots, sizeof(*run.slots));
    workers = calloc(o->threads, sizeof(*workers));
    tids = calloc(o->threads, sizeof(*tids));
    if (!run.slots || !workers || !tids) {
        err = -ENOMEM;
        goto out;
    }
    for (unsigned i = 0; i < run.n_slots; i++) {
        if (gen_out_init(&run.slots[i].data, NULL) < 0 ||
            gen_out_init(&run.slots[i].truth, NULL) < 0 ||
            gen_out_init(&run.slots[i].roles, NULL) < 0) {
            err = -ENOMEM;
            goto out;
        }
    }

    /* Headers. */
    {
        struct gen_out h;
        if (gen_out_init(&h, o->out) < 0) {
            err = -ENOMEM;
            goto out;
        }
        if (o->csv)
            gen_write_csv_header(&h);
        err = gen_out_release(&h);
        if (!err && o->truth) {
            if (gen_out_init(&h, o->truth) < 0) {
                err = -ENOMEM;
                goto out;
            }
            gen_write_truth_header(&h);
            err = gen_out_release(&h);
        }
        if (!err && o->roles) {
            if (gen_out_init(&h, o->roles) < 0) {
                err = -ENOMEM;
                goto out;
            }
            gen_write_roles_header(&h);
            err = gen_out_release(&h);
        }
        if (err)
            goto out;
    }

    for (unsigned i = 0; i < o->threads; i++) {
        workers[i] = (struct worker){.run = &run, .id = i};
        if (pthread_create(&tids[i], NULL, worker_main, &workers[i]) != 0) {
            err = -EAGAIN;
            goto out;
        }
        started++;
    }

    for (uint64_t c = 0; c < run.n_chunks; c++) {
        struct slot *s = &run.slots[c % run.n_slots];
        pthread_mutex_lock(&run.mu);
        while (!(s->state == SLOT_READY && s->chunk == c))
            pthread_cond_wait(&run.cv, &run.mu);
        pthread_mutex_unlock(&run.mu);

        err = s->err;
        if (!err)
            err = write_all(o->out, &s->data);
        if (!err && o->truth)
            err = write_all(o->truth, &s->truth);
        if (!err && o->roles)
            err = write_all(o->roles, &s->roles);
        if (err)
            goto out;
        uint64_t before = done;
        done += s->profiles;
        if (o->progress && o->count >= PROGRESS_EVERY &&
            done / PROGRESS_EVERY != before / PROGRESS_EVERY)
            fprintf(stderr, "smematch-gen: %" PRIu64 " of %" PRIu64 " profiles\n",
                    done / PROGRESS_EVERY * PROGRESS_EVERY, o->count);

        pthread_mutex_lock(&run.mu);
        s->state = SLOT_FREE;
        pthread_cond_broadcast(&run.cv);
        pthread_mutex_unlock(&run.mu);
    }
    if (fflush(o->out) != 0)
        err = -errno;
    if (!err && o->truth && fflush(o->truth) != 0)
        err = -errno;
    if (!err && o->roles && fflush(o->roles) != 0)
        err = -errno;
out:
    pthread_mutex_lock(&run.mu);
    run.stop = 1;
    pthread_cond_broadcast(&run.cv);
    pthread_mutex_unlock(&run.mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    if (run.slots)
        for (unsigned i = 0; i < run.n_slots; i++) {
            free(run.slots[i].data.buf);
            free(run.slots[i].truth.buf);
            free(run.slots[i].roles.buf);
        }
    free(run.slots);
    free(workers);
    free(tids);
    pthread_cond_destroy(&run.cv);
    pthread_mutex_destroy(&run.mu);
    return err;
}
