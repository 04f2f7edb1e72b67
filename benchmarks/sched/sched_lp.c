/* sched_lp.c - the scheduling MIP for CBC; see sched_lp.h. */
#include "sm.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sched_check.h"
#include "sched_lp.h"

/* ---- which meetings and slots exist, from the rules of sched.h (not from the solver) ---- */

static bool owns(const struct sched_problem *pb, int p)
{
    for (int t = 0; t < pb->n_tables; t++)
        if (pb->tables[t].owner == p)
            return true;
    return false;
}

static bool booth_open(const struct sched_problem *pb, int p, int s)
{
    for (int t = 0; t < pb->n_tables; t++)
        if (pb->tables[t].owner == p && !sched_slots_has(&pb->tables[t].closed, s))
            return true;
    return false;
}

static int shared_open(const struct sched_problem *pb, int s)
{
    int n = 0;
    for (int t = 0; t < pb->n_tables; t++)
        n += pb->tables[t].owner == -1 && !sched_slots_has(&pb->tables[t].closed, s);
    return n;
}

static int interp_cap(const struct sched_problem *pb, int s)
{
    int c = pb->slots[s].interpreters >= 0 ? pb->slots[s].interpreters : pb->interpreter_cap;
    return c < 0 ? INT32_MAX : c;
}

static bool forced(const struct sched_meeting *x)
{
    return x->flags & (SCHED_M_FORCED | SCHED_M_LOCKED);
}

static bool must(const struct sched_problem *pb, const struct sched_meeting *x)
{
    return pb->mode == SCHED_PLACE || forced(x) || (x->flags & SCHED_M_ACCEPTED);
}

static bool usable(const struct sched_problem *pb, int m)
{
    const struct sched_meeting *x = &pb->meetings[m];
    if (pb->participants[x->a].absent || pb->participants[x->b].absent)
        return false;
    if (!forced(x)) {
        for (int i = 0; i < pb->n_vetoes; i++)
            if ((pb->vetoes[i].a == x->a && pb->vetoes[i].b == x->b) ||
                (pb->vetoes[i].a == x->b && pb->vetoes[i].b == x->a))
                return false;
        if (pb->n_groups) {
            int ga = pb->participants[x->a].group, gb = pb->participants[x->b].group;
            if (!pb->group_allow[ga * pb->n_groups + gb] &&
                !pb->group_allow[gb * pb->n_groups + ga])
                return false;
        }
    }
    if (pb->mode == SCHED_CHOOSE && (x->flags & SCHED_M_SUGGESTION) &&
        !(x->flags & (SCHED_M_ACCEPTED | SCHED_M_FORCED | SCHED_M_LOCKED | SCHED_M_MUTUAL)) &&
        (!pb->suggestions || x->value < pb->suggestion_min))
        return false;
    return true;
}

static bool allowed(const struct sched_problem *pb, int m, int s)
{
    const struct sched_meeting *x = &pb->meetings[m];
    if (sched_slots_has(&pb->participants[x->a].forbidden, s) ||
        sched_slots_has(&pb->participants[x->b].forbidden, s))
        return false;
    if ((x->flags & SCHED_M_FIXED_SLOT) && s != x->fixed_slot)
        return false;
    if ((x->flags & SCHED_M_SESSION) && pb->slots[s].session != x->session)
        return false;
    if ((x->flags & SCHED_M_INTERPRETER) && interp_cap(pb, s) == 0)
        return false;
    bool oa = owns(pb, x->a), ob = owns(pb, x->b);
    if (x->flags & SCHED_M_FIXED_TABLE) {
        const struct sched_table *t = &pb->tables[x->fixed_table];
        if (sched_slots_has(&t->closed, s))
            return false;
        return (oa || ob) ? ((oa && t->owner == x->a) || (ob && t->owner == x->b)) : t->owner == -1;
    }
    if (oa || ob)
        return (oa && booth_open(pb, x->a, s)) || (ob && booth_open(pb, x->b, s));
    return shared_open(pb, s) > 0;
}

/* ---- writing ---- */

struct lpw {
    FILE *f;
    int terms;
    bool empty;
};

static void row_begin(struct lpw *w, const char *name)
{
    fprintf(w->f, " %s:", name);
    w->terms = 0;
    w->empty = true;
}

static void term(struct lpw *w, int64_t coef, const char *var)
{
    if (coef == 0)
        return;
    if (w->terms && w->terms % 8 == 0)
        fputs("\n   ", w->f);
    if (coef == 1)
        fprintf(w->f, " + %s", var);
    else if (coef == -1)
        fprintf(w->f, " - %s", var);
    else
        fprintf(w->f, " %c %lld %s", coef < 0 ? '-' : '+', (long long)(coef < 0 ? -coef : coef),
                var);
    w->terms++;
    w->empty = false;
}

static void row_end(struct lpw *w, const char *op, int64_t rhs)
{
    assert(!w->empty); /* every row written has terms */
    fprintf(w->f, " %s %lld\n", op, (long long)rhs);
}

struct model {
    const struct sched_problem *pb;
    int S, P, M;
    bool *use;   /* [M] */
    uint8_t *ok; /* [M * S] */
    int *deg;    /* [P] usable meetings of p */
    int *adj_first, *adj;
};

static void model_release(struct model *md)
{
    free(md->use);
    free(md->ok);
    free(md->deg);
    free(md->adj_first);
    free(md->adj);
}

static int model_build(struct model *md, const struct sched_problem *pb)
{
    int S = pb->n_slots, P = pb->n_participants, M = pb->n_meetings;
    memset(md, 0, sizeof(*md));
    md->pb = pb;
    md->S = S;
    md->P = P;
    md->M = M;
    md->use = calloc((size_t)M + 1, sizeof(bool));
    md->ok = calloc((size_t)M * S + 1, 1);
    md->deg = calloc((size_t)P + 1, sizeof(int));
    md->adj_first = calloc((size_t)P + 2, sizeof(int));
    if (!md->use || !md->ok || !md->deg || !md->adj_first)
        return SM_ENOMEM;
    for (int m = 0; m < M; m++) {
        md->use[m] = usable(pb, m);
        if (!md->use[m])
            continue;
        bool any = false;
        for (int s = 0; s < S; s++)
            any |= (md->ok[(size_t)m * S + s] = allowed(pb, m, s));
        md->use[m] = any;
        if (any) {
            md->deg[pb->meetings[m].a]++;
            md->deg[pb->meetings[m].b]++;
        }
    }
    for (int p = 0; p < P; p++)
        md->adj_first[p + 1] = md->adj_first[p] + md->deg[p];
    md->adj = calloc((size_t)md->adj_first[P] + 1, sizeof(int));
    int *fill = calloc((size_t)P + 1, sizeof(int));
    if (!md->adj || !fill) {
        free(fill);
        return SM_ENOMEM;
    }
    for (int m = 0; m < M; m++)
        if (md->use[m]) {
            int a = pb->meetings[m].a, b = pb->meetings[m].b;
            md->adj[md->adj_first[a] + fill[a]++] = m;
            md->adj[md->adj_first[b] + fill[b]++] = m;
        }
    free(fill);
    return 0;
}

/* y[p,s] as terms: every x of p's meetings in s, times coef. */
static int y_terms(struct lpw *w, const struct model *md, int p, int s, int64_t coef)
{
    char v[32];
    int n = 0;
    for (int j = md->adj_first[p]; j < md->adj_first[p + 1]; j++) {
        int m = md->adj[j];
        if (!md->ok[(size_t)m * md->S + s])
            continue;
        snprintf(v, sizeof(v), "x%d_%d", m, s);
        term(w, coef, v);
        n++;
    }
    return n;
}

static int y_count(const struct model *md, int p, int s)
{
    int n = 0;
    for (int j = md->adj_first[p]; j < md->adj_first[p + 1]; j++)
        n += md->ok[(size_t)md->adj[j] * md->S + s];
    return n;
}

/*
 * Rows of p's block [first, end): u <= meetings of p in the block (u: p meets there), and, valid
 * and tightening, u <= run starts (a block with a meeting has at least one run).
 */
static void block_rows(struct lpw *w, const struct model *md, int p, int first, int end)
{
    const struct sched_problem *pb = md->pb;
    char name[64], v[32];
    int nz = 0;

    snprintf(name, sizeof(name), "meets%d_%d", p, first);
    row_begin(w, name);
    snprintf(v, sizeof(v), "u%d_%d", p, first);
    term(w, 1, v);
    for (int t = first; t < end; t++)
        if (!sched_slots_has(&pb->participants[p].forbidden, t))
            nz += y_terms(w, md, p, t, -1);
    row_end(w, "<=", 0);
    if (!nz)
        return;
    snprintf(name, sizeof(name), "runs%d_%d", p, first);
    row_begin(w, name);
    term(w, 1, v);
    for (int t = first; t < end; t++)
        if (!sched_slots_has(&pb->participants[p].forbidden, t) && y_count(md, p, t)) {
            snprintf(v, sizeof(v), "z%d_%d", p, t);
            term(w, -1, v);
        }
    row_end(w, "<=", 0);
}

static bool same_block(const struct sched_problem *pb, int s, int t)
{
    return pb->slots[s].day == pb->slots[t].day && pb->slots[s].session == pb->slots[t].session;
}

int sched_lp_write(const struct sched_problem *pb, const char *path)
{
    struct model md;
    struct lpw w = {0};
    char name[64], v[32];
    int S = pb->n_slots, P = pb->n_participants, M = pb->n_meetings, rc;
    bool choose = pb->mode == SCHED_CHOOSE, dummy = false;

    if (choose && pb->break_cost <= 0)
        return SM_EINVAL;
    rc = model_build(&md, pb);
    if (rc)
        goto out;
    w.f = fopen(path, "w");
    if (!w.f) {
        rc = -errno;
        goto out;
    }

    /* Weights that make the choose objective lexicographic. */
    int64_t vsum = 0, bmax = 0, fmax = 0;
    for (int m = 0; m < M; m++)
        if (md.use[m])
            vsum += pb->meetings[m].value;
    for (int p = 0; p < P; p++) {
        int cap = pb->participants[p].max_meetings ? pb->participants[p].max_meetings : S;
        bmax += SM_MAX(0, SM_MIN(md.deg[p], cap) - 1);
        int mn = SM_MIN(pb->participants[p].min_meetings, cap);
        fmax += SM_MIN(mn, md.deg[p]);
    }
    int64_t wfill = vsum + pb->break_cost * bmax + 1, wcov = wfill * (fmax + 1);

    /* Objective. */
    fputs(choose ? "Maximize\n" : "Minimize\n", w.f);
    row_begin(&w, "obj");
    int64_t bc = choose ? -pb->break_cost : 1; /* coefficient of breaks */
    for (int p = 0; p < P; p++) {
        if (md.deg[p] < 2)
            continue;
        for (int s = 0; s < S; s++) {
            if (s == 0 || !same_block(pb, s, s - 1)) {
                bool has = false;
                for (int t = s; t < S && same_block(pb, s, t) && !has; t++)
                    has = !sched_slots_has(&pb->participants[p].forbidden, t) && y_count(&md, p, t);
                if (has) {
                    snprintf(v, sizeof(v), "u%d_%d", p, s);
                    term(&w, -bc, v);
                }
            }
            if (sched_slots_has(&pb->participants[p].forbidden, s) || !y_count(&md, p, s))
                continue;
            snprintf(v, sizeof(v), "z%d_%d", p, s);
            term(&w, bc, v);
        }
    }
    if (choose) {
        for (int m = 0; m < M; m++)
            for (int s = 0; s < S && md.use[m]; s++)
                if (md.ok[(size_t)m * S + s] && pb->meetings[m].value) {
                    snprintf(v, sizeof(v), "x%d_%d", m, s);
                    term(&w, pb->meetings[m].value, v);
                }
        for (int p = 0; p < P; p++) {
            if (!md.deg[p])
                continue;
            snprintf(v, sizeof(v), "cov%d", p);
            term(&w, wcov, v);
            if (pb->participants[p].min_meetings > 0) {
                snprintf(v, sizeof(v), "f%d", p);
                term(&w, wfill, v);
            }
        }
    }
    if (w.empty) {
        fputs(" 0 x_dummy", w.f); /* nothing to optimise: any feasible schedule */
        dummy = true;
    }
    fputc('\n', w.f);

    fputs("Subject To\n", w.f);
    for (int m = 0; m < M; m++) {
        if (!md.use[m])
            continue;
        snprintf(name, sizeof(name), "one%d", m);
        row_begin(&w, name);
        for (int s = 0; s < S; s++)
            if (md.ok[(size_t)m * S + s]) {
                snprintf(v, sizeof(v), "x%d_%d", m, s);
                term(&w, 1, v);
            }
        row_end(&w, must(pb, &pb->meetings[m]) ? "=" : "<=", 1);
    }
    for (int p = 0; p < P; p++) {
        if (!md.deg[p])
            continue;
        for (int s = 0; s < S; s++) {
            if (y_count(&md, p, s) < 2)
                continue;
            snprintf(name, sizeof(name), "busy%d_%d", p, s);
            row_begin(&w, name);
            y_terms(&w, &md, p, s, 1);
            row_end(&w, "<=", 1);
        }
        int cap = pb->participants[p].max_meetings;
        if (cap && cap < md.deg[p]) {
            snprintf(name, sizeof(name), "cap%d", p);
            row_begin(&w, name);
            for (int s = 0; s < S; s++)
                y_terms(&w, &md, p, s, 1);
            row_end(&w, "<=", cap);
        }
    }
    for (int s = 0; s < S; s++) {
        int gen = 0, itp = 0;
        for (int m = 0; m < M; m++) {
            if (!md.use[m] || !md.ok[(size_t)m * S + s])
                continue;
            const struct sched_meeting *x = &pb->meetings[m];
            gen += !owns(pb, x->a) && !owns(pb, x->b);
            itp += (x->flags & SCHED_M_INTERPRETER) != 0;
        }
        if (gen > shared_open(pb, s)) {
            snprintf(name, sizeof(name), "tables%d", s);
            row_begin(&w, name);
            for (int m = 0; m < M; m++) {
                const struct sched_meeting *x = &pb->meetings[m];
                if (md.use[m] && md.ok[(size_t)m * S + s] && !owns(pb, x->a) && !owns(pb, x->b)) {
                    snprintf(v, sizeof(v), "x%d_%d", m, s);
                    term(&w, 1, v);
                }
            }
            row_end(&w, "<=", shared_open(pb, s));
        }
        if (itp > interp_cap(pb, s)) {
            snprintf(name, sizeof(name), "interp%d", s);
            row_begin(&w, name);
            for (int m = 0; m < M; m++)
                if (md.use[m] && md.ok[(size_t)m * S + s] &&
                    (pb->meetings[m].flags & SCHED_M_INTERPRETER)) {
                    snprintf(v, sizeof(v), "x%d_%d", m, s);
                    term(&w, 1, v);
                }
            row_end(&w, "<=", interp_cap(pb, s));
        }
        for (int t = 0; t < pb->n_tables; t++) {
            int n = 0;
            for (int m = 0; m < M; m++)
                n += md.use[m] && md.ok[(size_t)m * S + s] &&
                     (pb->meetings[m].flags & SCHED_M_FIXED_TABLE) &&
                     pb->meetings[m].fixed_table == t;
            if (n < 2)
                continue;
            snprintf(name, sizeof(name), "table%d_%d", t, s);
            row_begin(&w, name);
            for (int m = 0; m < M; m++)
                if (md.use[m] && md.ok[(size_t)m * S + s] &&
                    (pb->meetings[m].flags & SCHED_M_FIXED_TABLE) &&
                    pb->meetings[m].fixed_table == t) {
                    snprintf(v, sizeof(v), "x%d_%d", m, s);
                    term(&w, 1, v);
                }
            row_end(&w, "<=", 1);
        }
    }
    if (!choose)
        for (int m = 0; m < M; m++) {
            const struct sched_meeting *x = &pb->meetings[m];
            for (int i = 0; i < x->after_count && md.use[m]; i++) {
                int k = pb->after[x->after_first + i];
                if (!md.use[k])
                    continue;
                snprintf(name, sizeof(name), "after%d_%d", m, k);
                row_begin(&w, name);
                for (int s = 0; s < S; s++) {
                    if (md.ok[(size_t)m * S + s]) {
                        snprintf(v, sizeof(v), "x%d_%d", m, s);
                        term(&w, s, v);
                    }
                    if (md.ok[(size_t)k * S + s]) {
                        snprintf(v, sizeof(v), "x%d_%d", k, s);
                        term(&w, -s, v);
                    }
                }
                row_end(&w, ">=", 1);
            }
        }
    /* Breaks: run starts z and "meets in the block" u. */
    for (int p = 0; p < P; p++) {
        if (md.deg[p] < 2)
            continue;
        int prev = -1, first = -1;
        for (int s = 0; s < S; s++) {
            if (s == 0 || !same_block(pb, s, s - 1)) {
                if (first >= 0) {
                    block_rows(&w, &md, p, first, s);
                }
                first = s;
                prev = -1;
            }
            if (sched_slots_has(&pb->participants[p].forbidden, s))
                continue; /* forbidden slots are transparent */
            if (y_count(&md, p, s)) {
                snprintf(name, sizeof(name), "start%d_%d", p, s);
                row_begin(&w, name);
                snprintf(v, sizeof(v), "z%d_%d", p, s);
                term(&w, 1, v);
                y_terms(&w, &md, p, s, -1);
                if (prev >= 0)
                    y_terms(&w, &md, p, prev, 1);
                row_end(&w, ">=", 0);
                /* Valid, tightens the relaxation: a run starts only where p meets. */
                snprintf(name, sizeof(name), "busystart%d_%d", p, s);
                row_begin(&w, name);
                term(&w, 1, v);
                y_terms(&w, &md, p, s, -1);
                row_end(&w, "<=", 0);
            }
            prev = s;
        }
        if (first >= 0)
            block_rows(&w, &md, p, first, S);
    }
    if (choose)
        for (int p = 0; p < P; p++) {
            if (!md.deg[p])
                continue;
            for (int k = 0; k < 2; k++) {
                if (k == 1 && pb->participants[p].min_meetings <= 0)
                    continue;
                snprintf(name, sizeof(name), "%s%d_row", k ? "f" : "cov", p);
                row_begin(&w, name);
                snprintf(v, sizeof(v), "%s%d", k ? "f" : "cov", p);
                term(&w, 1, v);
                for (int s = 0; s < S; s++)
                    y_terms(&w, &md, p, s, -1);
                row_end(&w, "<=", 0);
            }
        }

    fputs("Bounds\n", w.f);
    if (dummy)
        fputs(" x_dummy = 0\n", w.f);
    for (int p = 0; p < P; p++) {
        if (md.deg[p] >= 2)
            for (int s = 0; s < S; s++)
                if (s == 0 || !same_block(pb, s, s - 1))
                    fprintf(w.f, " 0 <= u%d_%d <= 1\n", p, s);
        if (choose && md.deg[p]) {
            fprintf(w.f, " 0 <= cov%d <= 1\n", p);
            int cap = pb->participants[p].max_meetings ? pb->participants[p].max_meetings : S;
            if (pb->participants[p].min_meetings > 0)
                fprintf(w.f, " 0 <= f%d <= %d\n", p, SM_MIN(pb->participants[p].min_meetings, cap));
        }
    }
    fputs("Binaries\n", w.f);
    for (int m = 0; m < M; m++)
        for (int s = 0; s < S && md.use[m]; s++)
            if (md.ok[(size_t)m * S + s])
                fprintf(w.f, " x%d_%d\n", m, s);
    fputs("End\n", w.f);
    if (fclose(w.f) != 0 && !rc)
        rc = -errno;
    w.f = NULL;
out:
    if (w.f)
        fclose(w.f);
    model_release(&md);
    return rc;
}

/* ---- running CBC ---- */

void sched_lp_run_release(struct sched_lp_run *run)
{
    free(run->slot_of);
    memset(run, 0, sizeof(*run));
}

/* A MIP start in CBC's solution format: every x variable with its 0/1 value. */
static int write_start(const struct sched_problem *pb, const int *start, const char *path)
{
    struct model md;
    int rc = model_build(&md, pb), idx = 0;
    FILE *f = NULL;

    if (rc)
        goto out;
    f = fopen(path, "w");
    if (!f) {
        rc = -errno;
        goto out;
    }
    fputs("Feasible - objective value 0\n", f);
    for (int m = 0; m < md.M; m++)
        for (int s = 0; s < md.S && md.use[m]; s++)
            if (md.ok[(size_t)m * md.S + s])
                fprintf(f, "%d x%d_%d %d 0\n", idx++, m, s, start[m] == s);
    if (fclose(f) != 0)
        rc = -errno;
out:
    model_release(&md);
    return rc;
}

int sched_lp_solve(const char *cbc, const struct sched_problem *pb, const char *lp_path,
                   const char *sol_path, const char *log_path, int time_limit_s, const int *start,
                   struct sched_lp_run *out)
{
    char sec[32], line[512], startf[512];
    uint64_t t0 = sm_now_ms();
    pid_t pid;
    int st = 0;

    memset(out, 0, sizeof(*out));
    out->status = SCHED_LP_ERROR;
    out->slot_of = malloc(sizeof(int) * ((size_t)pb->n_meetings + 1));
    if (!out->slot_of)
        return SM_ENOMEM;
    for (int m = 0; m < pb->n_meetings; m++)
        out->slot_of[m] = -1;
    snprintf(sec, sizeof(sec), "%d", time_limit_s);
    snprintf(startf, sizeof(startf), "%s.start", sol_path);
    if (start && write_start(pb, start, startf) != 0)
        return 0;
    unlink(sol_path);
    pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if (start)
            execlp(cbc, cbc, lp_path, "sec", sec, "mips", startf, "solve", "solu", sol_path,
                   (char *)NULL);
        else
            execlp(cbc, cbc, lp_path, "sec", sec, "solve", "solu", sol_path, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    out->ms = (uint32_t)(sm_now_ms() - t0);
    if (start)
        unlink(startf);
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
        return 0;
    FILE *f = fopen(sol_path, "r");
    if (!f)
        return 0;
    bool any = false;
    if (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "Optimal", 7) == 0)
            out->status = SCHED_LP_OPTIMAL;
        else if (strstr(line, "Infeasible") || strstr(line, "infeasible"))
            out->status = SCHED_LP_NO_SOLUTION;
        else
            out->status = SCHED_LP_TIME_LIMIT;
    }
    while (fgets(line, sizeof(line), f)) {
        int idx, m, s;
        char name[128];
        double val;
        /* "  idx name value reduced-cost", possibly with a leading "**" (infeasibility mark) */
        char *p = line;
        while (*p == ' ' || *p == '*')
            p++;
        if (sscanf(p, "%d %127s %lf", &idx, name, &val) != 3)
            continue;
        any = true;
        if (sscanf(name, "x%d_%d", &m, &s) == 2 && val > 0.5 && m >= 0 && m < pb->n_meetings)
            out->slot_of[m] = s;
    }
    fclose(f);
    if (!any && out->status == SCHED_LP_TIME_LIMIT)
        out->status = SCHED_LP_NO_SOLUTION;
    if (out->status == SCHED_LP_OPTIMAL || out->status == SCHED_LP_TIME_LIMIT) {
        int *cnt = calloc((size_t)pb->n_participants + 1, sizeof(int));
        if (!cnt)
            return SM_ENOMEM;
        for (int m = 0; m < pb->n_meetings; m++)
            if (out->slot_of[m] >= 0) {
                out->placed++;
                out->value += pb->meetings[m].value;
                cnt[pb->meetings[m].a]++;
                cnt[pb->meetings[m].b]++;
            }
        for (int p = 0; p < pb->n_participants; p++) {
            const struct sched_participant *q = &pb->participants[p];
            int mn = q->max_meetings ? SM_MIN(q->min_meetings, q->max_meetings) : q->min_meetings;
            out->covered += cnt[p] > 0;
            out->fill += SM_MIN(cnt[p], mn);
        }
        free(cnt);
        out->breaks = sched_check_breaks(pb, out->slot_of, NULL, NULL);
    }
    return 0;
}

/* ---- CBC's schedule as a result ---- */

int sched_lp_to_result(const struct sched_problem *pb, const int *slot_of, struct sched_result *r)
{
    int S = pb->n_slots, P = pb->n_participants, M = pb->n_meetings, T = pb->n_tables;
    uint8_t *used = calloc((size_t)T * S + 1, 1);

    memset(r, 0, sizeof(*r));
    r->n_meetings = M;
    r->n_participants = P;
    r->n_slots = S;
    r->placements = calloc((size_t)M + 1, sizeof(*r->placements));
    r->meetings_of = calloc((size_t)P + 1, sizeof(int));
    r->breaks_of = calloc((size_t)P + 1, sizeof(int));
    r->meetings_in_slot = calloc((size_t)S, sizeof(int));
    r->interpreters_in_slot = calloc((size_t)S, sizeof(int));
    if (!used || !r->placements || !r->meetings_of || !r->breaks_of || !r->meetings_in_slot ||
        !r->interpreters_in_slot) {
        free(used);
        return SM_ENOMEM;
    }
    /* Fixed tables first, then booths, then shared tables first-fit. */
    for (int pass = 0; pass < 3; pass++)
        for (int m = 0; m < M; m++) {
            const struct sched_meeting *x = &pb->meetings[m];
            struct sched_placement *pl = &r->placements[m];
            int s = slot_of[m];
            bool fixed = x->flags & SCHED_M_FIXED_TABLE, booth = owns(pb, x->a) || owns(pb, x->b);
            if (s < 0 || pass != (fixed ? 0 : booth ? 1 : 2))
                continue;
            pl->slot = s;
            pl->table = -1;
            for (int t = 0; t < T && pl->table < 0; t++) {
                const struct sched_table *tb = &pb->tables[t];
                if (used[(size_t)t * S + s] || sched_slots_has(&tb->closed, s))
                    continue;
                if (fixed   ? t == x->fixed_table
                    : booth ? (tb->owner == x->a || tb->owner == x->b) && tb->owner >= 0
                            : tb->owner == -1)
                    pl->table = t;
            }
            if (pl->table >= 0)
                used[(size_t)pl->table * S + s] = 1;
        }
    for (int m = 0; m < M; m++) {
        struct sched_placement *pl = &r->placements[m];
        const struct sched_meeting *x = &pb->meetings[m];
        if (slot_of[m] < 0) {
            pl->slot = pl->table = -1;
            pl->reason = SCHED_R_NOT_CHOSEN;
            pl->why = "not in the MIP solution";
        } else {
            r->placed++;
            r->value += x->value;
            r->meetings_of[x->a]++;
            r->meetings_of[x->b]++;
            r->meetings_in_slot[pl->slot]++;
            if (x->flags & SCHED_M_INTERPRETER)
                r->interpreters_in_slot[pl->slot]++;
        }
        if (x->flags & SCHED_M_PUBLISHED)
            pl->moved = pl->slot < 0                 ? SCHED_MOVE_DROPPED
                        : pl->slot != x->prev_slot   ? SCHED_MOVE_SLOT
                        : pl->table != x->prev_table ? SCHED_MOVE_TABLE
                                                     : SCHED_MOVE_NONE;
    }
    r->breaks = sched_check_breaks_idle(pb, slot_of, r->breaks_of, &r->max_breaks, &r->idle);
    for (int p = 0; p < P; p++)
        r->sumsq_breaks += (int64_t)r->breaks_of[p] * r->breaks_of[p];
    free(used);
    return r->breaks < 0 ? r->breaks : 0;
}
