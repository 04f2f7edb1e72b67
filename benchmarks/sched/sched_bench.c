/*
 * sched_bench.c - smematch-sched-bench: the meeting scheduler beside COIN-OR CBC.
 *
 *   smematch-sched-bench [--cbc PATH | --no-cbc] [--cbc-time SEC] [--dir DIR] [--seeds N]
 *       the suite: place-mode instances (breaks vs CBC's proven optimum) and choose-mode
 *       instances (objective value vs CBC's optimum), one table side by side
 *   smematch-sched-bench --large [--deadline MS]
 *       the size target: 2,000 participants, 24 slots, 400 tables, 20,000 requests
 *   smematch-sched-bench --smoke [--cbc PATH | --no-cbc]
 *       a tiny run for the test suite: exits 1 if a schedule breaks a rule or CBC proves a
 *       better one (no timing checks)
 *
 * Every smematch schedule and every CBC solution goes through the independent checker.
 */
#include "sm.h"

#include <sys/stat.h>
#include <unistd.h>

#include "sched_check.h"
#include "sched_gen.h"
#include "sched_lp.h"

struct opts {
    const char *cbc;
    int cbc_time;
    const char *dir;
    int seeds;
    uint32_t deadline;
    uint32_t effort;
    bool keep;
    bool start; /* give CBC smematch's schedule as a MIP start */
};

struct spec {
    const char *name;
    enum sched_mode mode;
    int participants, slots, tables, meetings, candidates;
    int fixed_percent, hole_percent; /* 0: generator defaults */
    int seeds;                       /* instances (seeds 1..seeds) */
};

static const char *status_name(int st)
{
    switch (st) {
    case SCHED_LP_OPTIMAL:
        return "optimal";
    case SCHED_LP_TIME_LIMIT:
        return "time limit";
    case SCHED_LP_NO_SOLUTION:
        return "no solution";
    default:
        return "not run";
    }
}

static int check_or_report(const char *what, const struct sched_problem *pb,
                           const struct sched_result *r)
{
    struct sched_check c;
    int rc = sched_check(pb, r, &c);
    if (rc)
        fprintf(stderr, "%s: checker: %d violations, first: %s\n", what, c.violations, c.first);
    return rc;
}

/* main level of the choose objective: value - break_cost * breaks */
static int64_t main_level(const struct sched_problem *pb, int64_t value, int breaks)
{
    return value - pb->break_cost * breaks;
}

/* One instance: smematch, then CBC. Returns 0, or 1 on a checker failure or a worse result
   than a proven CBC optimum when strict. */
static int run_one(const struct opts *o, const struct spec *sp, uint64_t seed, bool strict)
{
    struct sched_gen_opts go;
    struct sched_inst in;
    struct sched_result r;
    struct sched_lp_run lp;
    char name[96], lpf[512], solf[512], logf[512];
    int rc = 0;

    memset(&lp, 0, sizeof(lp));
    memset(&r, 0, sizeof(r));
    sched_gen_defaults(&go, sp->mode, sp->participants, sp->slots, sp->tables, sp->meetings, seed);
    go.candidates = sp->candidates;
    if (sp->fixed_percent)
        go.fixed_percent = sp->fixed_percent;
    if (sp->hole_percent)
        go.hole_percent = sp->hole_percent;
    if (sched_gen(&in, &go)) {
        fprintf(stderr, "out of memory\n");
        sched_inst_release(&in);
        return 1;
    }
    in.pb.deadline_ms = o->deadline;
    in.pb.effort = o->effort;
    snprintf(name, sizeof(name), "%s-s%llu", sp->name, (unsigned long long)seed);
    if (sched_solve(&in.pb, &r) != 0) {
        fprintf(stderr, "%s: sched_solve: %s\n", name, r.error.message);
        rc = 1;
        goto out;
    }
    if (check_or_report(name, &in.pb, &r))
        rc = 1;

    if (o->cbc) {
        snprintf(lpf, sizeof(lpf), "%s/%s.lp", o->dir, name);
        snprintf(solf, sizeof(solf), "%s/%s.sol", o->dir, name);
        snprintf(logf, sizeof(logf), "%s/%s.log", o->dir, name);
        if (sched_lp_write(&in.pb, lpf) != 0) {
            fprintf(stderr, "%s: cannot write %s\n", name, lpf);
            rc = 1;
            goto out;
        }
        int *start = NULL;
        if (o->start) {
            start = malloc(sizeof(int) * ((size_t)in.pb.n_meetings + 1));
            if (!start) {
                rc = 1;
                goto out;
            }
            for (int m = 0; m < in.pb.n_meetings; m++)
                start[m] = r.placements[m].slot;
        }
        int e = sched_lp_solve(o->cbc, &in.pb, lpf, solf, logf, o->cbc_time, start, &lp);
        free(start);
        if (e != 0) {
            rc = 1;
            goto out;
        }
        if (lp.status == SCHED_LP_OPTIMAL || lp.status == SCHED_LP_TIME_LIMIT) {
            struct sched_result cr;
            int err = sched_lp_to_result(&in.pb, lp.slot_of, &cr);
            if (err || check_or_report("cbc solution", &in.pb, &cr))
                rc = 1;
            sched_result_release(&cr);
        }
        if (!o->keep) {
            unlink(lpf);
            unlink(solf);
            unlink(logf);
        }
    }

    bool have = lp.status == SCHED_LP_OPTIMAL || lp.status == SCHED_LP_TIME_LIMIT;
    char cb[32] = "-", cv[48] = "-", ratio[64] = "-", cms[16] = "-";
    if (have) {
        snprintf(cb, sizeof(cb), "%d", lp.breaks);
        snprintf(cms, sizeof(cms), "%u", lp.ms);
    }
    if (sp->mode == SCHED_PLACE) {
        printf("%-22s place  %5d %6d %3d %4d | %4d / %-4s | %-22s | %6u | %7s | %s%s\n", name,
               in.pb.n_participants, in.pb.n_meetings, in.pb.n_slots, in.pb.n_tables, r.breaks, cb,
               "", r.elapsed_ms, cms, o->cbc ? status_name(lp.status) : "no cbc",
               r.optimal ? "; smematch optimal by its bound" : "");
        if (strict && lp.status == SCHED_LP_OPTIMAL && r.breaks > lp.breaks) {
            fprintf(stderr, "%s: %d breaks, CBC proves %d\n", name, r.breaks, lp.breaks);
            rc = 1;
        }
        if (r.must_placed != r.must_total) {
            fprintf(stderr, "%s: placed %d of %d\n", name, r.must_placed, r.must_total);
            rc = 1;
        }
    } else {
        int64_t ours = main_level(&in.pb, r.value, r.breaks);
        if (have) {
            int64_t theirs = main_level(&in.pb, lp.value, lp.breaks);
            snprintf(cv, sizeof(cv), "%lld", (long long)theirs);
            snprintf(ratio, sizeof(ratio), "%.2f%%",
                     theirs > 0 ? 100.0 * (double)ours / (double)theirs : 100.0);
            if (lp.covered != r.covered || lp.fill != r.fill) /* a higher level differs */
                snprintf(ratio, sizeof(ratio), "cov %d/%d fill %d/%d", r.covered, lp.covered,
                         r.fill, lp.fill);
            if (strict && lp.status == SCHED_LP_OPTIMAL &&
                (r.covered < lp.covered || (r.covered == lp.covered && r.fill < lp.fill) ||
                 (r.covered == lp.covered && r.fill == lp.fill && ours * 100 < theirs * 99))) {
                fprintf(stderr, "%s: objective %lld, CBC proves %lld\n", name, (long long)ours,
                        (long long)theirs);
                rc = 1;
            }
        }
        printf("%-22s choose %5d %6d %3d %4d | %4d / %-4s | %6lld / %-6s %-7s | %6u | %7s | %s\n",
               name, in.pb.n_participants, in.pb.n_meetings, in.pb.n_slots, in.pb.n_tables,
               r.breaks, cb, (long long)ours, cv, ratio, r.elapsed_ms, cms,
               o->cbc ? status_name(lp.status) : "no cbc");
    }
    fflush(stdout);
out:
    sched_lp_run_release(&lp);
    sched_result_release(&r);
    sched_inst_release(&in);
    return rc;
}

static void header(void)
{
    printf("%-22s %-6s %5s %6s %3s %4s | %-11s | %-22s | %6s | %7s | %s\n", "instance", "mode", "P",
           "M", "S", "T", "breaks s/c", "objective s/c (ratio)", "s ms", "cbc ms", "cbc status");
    printf("(s: smematch, c: CBC; M: meetings given, or candidates in choose mode; T: tables with "
           "booths;\n objective = value - break_cost * breaks at equal coverage and fill)\n");
}

/* Sizes CBC proves within minutes, then the place target size (~80 participants, ~300
   meetings, 20 slots), loose and tight, where CBC only reaches its time limit. */
static const struct spec suite[] = {
    {"place-20x8-tight", SCHED_PLACE, 20, 8, 6, 50, 0, 12, 60, 15},
    {"place-30x10-tight", SCHED_PLACE, 30, 10, 8, 80, 0, 12, 60, 3},
    {"place-80x20", SCHED_PLACE, 80, 20, 16, 300, 0, 0, 0, 3},
    {"place-80x20-tight", SCHED_PLACE, 80, 20, 16, 300, 0, 12, 60, 3},
    {"choose-20x6", SCHED_CHOOSE, 20, 6, 4, 16, 50, 0, 0, 3},
    {"choose-30x8", SCHED_CHOOSE, 30, 8, 6, 30, 120, 0, 0, 3},
    {"choose-40x10", SCHED_CHOOSE, 40, 10, 8, 40, 200, 0, 0, 2},
};

static const struct spec smoke[] = {
    {"smoke-place", SCHED_PLACE, 12, 6, 3, 20, 0, 0, 0, 1},
    {"smoke-choose", SCHED_CHOOSE, 10, 5, 3, 8, 25, 0, 0, 1},
};

static int run_large(const struct opts *o)
{
    struct sched_gen_opts go;
    struct sched_inst in;
    struct sched_result r;
    int rc = 0;

    printf("%-8s %5s %6s %3s %4s | %11s %6s %8s %6s %7s %6s | %6s %s\n", "mode", "P", "req", "S",
           "T", "must placed", "placed", "value", "breaks", "covered", "fill", "ms", "status");
    for (int mode = 0; mode < 2; mode++) {
        /* 400 tables: 300 shared and 100 exhibitors' booths. SCHED_CHOOSE: 20,000 requests of
           which 6,000 accepted; SCHED_PLACE: 9,000 meetings given (planted). */
        sched_gen_defaults(&go, mode ? SCHED_CHOOSE : SCHED_PLACE, 2000, 24, 300,
                           mode ? 6000 : 9000, 1);
        go.candidates = mode ? 14000 : 0;
        go.booths = 100;
        go.interp_cap = 60;
        memset(&r, 0, sizeof(r));
        if (sched_gen(&in, &go)) {
            sched_inst_release(&in);
            return 1;
        }
        in.pb.deadline_ms = o->deadline ? o->deadline : 1900;
        in.pb.effort = o->effort;
        uint64_t t0 = sm_now_ms();
        if (sched_solve(&in.pb, &r) != 0) {
            fprintf(stderr, "sched_solve: %s\n", r.error.message);
            rc = 1;
        } else {
            uint32_t ms = (uint32_t)(sm_now_ms() - t0);
            char must[32];
            snprintf(must, sizeof(must), "%d/%d", r.must_placed, r.must_total);
            printf("%-8s %5d %6d %3d %4d | %11s %6d %8lld %6d %7d %6d | %6u %s\n",
                   mode ? "choose" : "place", in.pb.n_participants, in.pb.n_meetings, in.pb.n_slots,
                   in.pb.n_tables, must, r.placed, (long long)r.value, r.breaks, r.covered, r.fill,
                   ms, r.deadline_hit ? "deadline" : "finished");
            if (check_or_report("large", &in.pb, &r))
                rc = 1;
        }
        sched_result_release(&r);
        sched_inst_release(&in);
    }
    return rc;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: smematch-sched-bench [--large | --smoke] [--cbc PATH | --no-cbc]\n"
            "                            [--cbc-time SEC] [--cbc-start] [--dir DIR] [--keep]\n"
            "                            [--seeds N] [--only NAME] [--tight]\n"
            "                            [--deadline MS] [--effort N]\n"
            "                            [--instance place|choose P S T M [C]]\n");
}

int main(int argc, char **argv)
{
    struct opts o = {.cbc = "cbc", .cbc_time = 120};
    const char *only = NULL;
    bool large = false, smk = false, custom = false, tight = false;
    struct spec one = {0};
    char tmpl[] = "/tmp/smematch-sched-XXXXXX";
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--large"))
            large = true;
        else if (!strcmp(a, "--smoke"))
            smk = true;
        else if (!strcmp(a, "--no-cbc"))
            o.cbc = NULL;
        else if (!strcmp(a, "--keep"))
            o.keep = true;
        else if (!strcmp(a, "--cbc-start"))
            o.start = true;
        else if (!strcmp(a, "--tight"))
            tight = true;
        else if (!strcmp(a, "--cbc") && more)
            o.cbc = argv[++i];
        else if (!strcmp(a, "--cbc-time") && more)
            o.cbc_time = atoi(argv[++i]);
        else if (!strcmp(a, "--dir") && more)
            o.dir = argv[++i];
        else if (!strcmp(a, "--seeds") && more)
            o.seeds = atoi(argv[++i]);
        else if (!strcmp(a, "--only") && more)
            only = argv[++i];
        else if (!strcmp(a, "--deadline") && more)
            o.deadline = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(a, "--effort") && more)
            o.effort = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(a, "--instance") && i + 5 < argc) {
            /* --instance place|choose P S T M C: one generated instance */
            one.name = "instance";
            one.mode = strcmp(argv[i + 1], "choose") ? SCHED_PLACE : SCHED_CHOOSE;
            one.participants = atoi(argv[i + 2]);
            one.slots = atoi(argv[i + 3]);
            one.tables = atoi(argv[i + 4]);
            one.meetings = atoi(argv[i + 5]);
            one.candidates = i + 6 < argc && argv[i + 6][0] != '-' ? atoi(argv[i + 6]) : 0;
            i += 5 + (one.candidates > 0);
            custom = true;
        } else {
            usage();
            return 2;
        }
    }
    if (large)
        return run_large(&o);
    if (o.cbc && !o.dir) {
        o.dir = mkdtemp(tmpl);
        if (!o.dir) {
            perror("mkdtemp");
            return 1;
        }
    }
    header();
    if (smk) {
        if (o.cbc_time > 60)
            o.cbc_time = 60;
        for (size_t i = 0; i < SM_ARRAY_SIZE(smoke); i++)
            rc |= run_one(&o, &smoke[i], 1, true);
    } else if (custom) {
        if (tight) {
            one.fixed_percent = 12;
            one.hole_percent = 60;
        }
        for (int sd = 1; sd <= (o.seeds ? o.seeds : 1); sd++)
            rc |= run_one(&o, &one, (uint64_t)sd, false);
    } else {
        for (size_t i = 0; i < SM_ARRAY_SIZE(suite); i++)
            for (int sd = 1; sd <= (o.seeds ? o.seeds : suite[i].seeds); sd++)
                if (!only || strstr(suite[i].name, only))
                    rc |= run_one(&o, &suite[i], (uint64_t)sd, false);
    }
    if (o.cbc && !o.keep && o.dir == tmpl)
        rmdir(tmpl);
    else if (o.cbc && o.keep)
        printf("LP, solution and log files in %s\n", o.dir);
    return rc;
}
