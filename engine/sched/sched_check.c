/*
 * sched_check.c - independent checker of scheduler results (see sched_check.h).
 *
 * Deliberately simple and separate from the solver: plain arrays indexed by (participant, slot)
 * and (table, slot), a slot-by-slot walk for breaks, a sort for pairs.
 */
#include "sm.h"

#include "sched_check.h"

__attribute__((format(printf, 2, 3))) static void violation(struct sched_check *c, const char *fmt,
                                                            ...)
{
    va_list ap;

    if (c->violations++ == 0) {
        va_start(ap, fmt);
        vsnprintf(c->first, sizeof(c->first), fmt, ap);
        va_end(ap);
    }
}

static bool forbidden(const struct sched_problem *pb, int p, int s)
{
    return pb->participants[p].absent || sched_slots_has(&pb->participants[p].forbidden, s);
}

int sched_check_breaks(const struct sched_problem *pb, const int *slot_of, int *breaks_of,
                       int *max_breaks)
{
    return sched_check_breaks_idle(pb, slot_of, breaks_of, max_breaks, NULL);
}

int sched_check_breaks_idle(const struct sched_problem *pb, const int *slot_of, int *breaks_of,
                            int *max_breaks, int *idle)
{
    int S = pb->n_slots, P = pb->n_participants, total = 0, mx = 0, nidle = 0;
    uint8_t *busy = calloc((size_t)P * S + 1, 1);

    if (!busy)
        return SM_ENOMEM;
    for (int m = 0; m < pb->n_meetings; m++) {
        int s = slot_of[m];
        if (s < -1 || s >= S) {
            free(busy);
            return SM_EINVAL;
        }
        if (s >= 0) {
            busy[(size_t)pb->meetings[m].a * S + s] = 1;
            busy[(size_t)pb->meetings[m].b * S + s] = 1;
        }
    }
    for (int p = 0; p < P; p++) {
        int n = 0, pending = 0; /* idle slots since p's last meeting in the block */
        bool seen = false;
        for (int s = 0; s < S; s++) {
            if (s == 0 || pb->slots[s].day != pb->slots[s - 1].day ||
                pb->slots[s].session != pb->slots[s - 1].session) {
                seen = false; /* a new block: breaks never span blocks */
                pending = 0;
            }
            if (forbidden(pb, p, s))
                continue; /* unavailable slots are neither idle nor busy */
            if (busy[(size_t)p * S + s]) {
                if (seen && pending) {
                    n++;
                    nidle += pending;
                }
                seen = true;
                pending = 0;
            } else if (seen) {
                pending++;
            }
        }
        if (breaks_of)
            breaks_of[p] = n;
        total += n;
        mx = SM_MAX(mx, n);
    }
    if (max_breaks)
        *max_breaks = mx;
    if (idle)
        *idle = nidle;
    free(busy);
    return total;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static bool owns_booth(const struct sched_problem *pb, int p)
{
    for (int t = 0; t < pb->n_tables; t++)
        if (pb->tables[t].owner == p)
            return true;
    return false;
}

int sched_check(const struct sched_problem *pb, const struct sched_result *r, struct sched_check *c)
{
    int S = pb->n_slots, P = pb->n_participants, M = pb->n_meetings, T = pb->n_tables;
    int *who = NULL, *tab = NULL, *cnt = NULL, *slot_of = NULL, *brk = NULL, *interp = NULL;
    int *inslot = NULL;
    uint64_t *pairs = NULL;
    bool *owner = NULL;
    int npairs = 0, rc = 0;

    memset(c, 0, sizeof(*c));
    if (r->n_meetings != M || r->n_participants != P || r->n_slots != S || (M && !r->placements)) {
        violation(c, "result sizes do not match the problem");
        return SM_EINVAL;
    }
    who = malloc(sizeof(int) * ((size_t)P * S + 1));
    tab = malloc(sizeof(int) * ((size_t)T * S + 1));
    cnt = calloc((size_t)P + 1, sizeof(int));
    brk = calloc((size_t)P + 1, sizeof(int));
    slot_of = malloc(sizeof(int) * ((size_t)M + 1));
    interp = calloc((size_t)S, sizeof(int));
    inslot = calloc((size_t)S, sizeof(int));
    pairs = malloc(sizeof(uint64_t) * ((size_t)M + 1));
    owner = calloc((size_t)P + 1, sizeof(bool));
    if (!who || !tab || !cnt || !brk || !slot_of || !interp || !inslot || !pairs || !owner) {
        rc = SM_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < (size_t)P * S; i++)
        who[i] = -1;
    for (size_t i = 0; i < (size_t)T * S; i++)
        tab[i] = -1;
    for (int p = 0; p < P; p++)
        owner[p] = owns_booth(pb, p);

    for (int m = 0; m < M; m++) {
        const struct sched_meeting *x = &pb->meetings[m];
        const struct sched_placement *pl = &r->placements[m];
        int s = pl->slot, t = pl->table, a = x->a, b = x->b;
        bool forced = x->flags & (SCHED_M_FORCED | SCHED_M_LOCKED);
        slot_of[m] = -1;
        if (s < 0) {
            if (s != -1 || t != -1)
                violation(c, "meeting %d: unplaced but slot %d table %d", m, s, t);
            if (pl->reason == SCHED_R_PLACED)
                violation(c, "meeting %d: unplaced without a reason", m);
            if (!pl->why)
                violation(c, "meeting %d: unplaced without a reason text", m);
            continue;
        }
        if (s >= S || t < 0 || t >= T) {
            violation(c, "meeting %d: slot %d or table %d out of range", m, s, t);
            continue;
        }
        slot_of[m] = s;
        c->placed++;
        c->value += x->value;
        inslot[s]++;
        if (pl->reason != SCHED_R_PLACED)
            violation(c, "meeting %d: placed with reason %d", m, pl->reason);
        for (int k = 0; k < 2; k++) {
            int p = k ? b : a;
            if (pb->participants[p].absent)
                violation(c, "meeting %d: participant %d is absent", m, p);
            else if (sched_slots_has(&pb->participants[p].forbidden, s))
                violation(c, "meeting %d: slot %d is forbidden to participant %d", m, s, p);
            if (who[(size_t)p * S + s] >= 0)
                violation(c, "participant %d in meetings %d and %d in slot %d", p,
                          who[(size_t)p * S + s], m, s);
            who[(size_t)p * S + s] = m;
            cnt[p]++;
        }
        if (tab[(size_t)t * S + s] >= 0)
            violation(c, "table %d hosts meetings %d and %d in slot %d", t, tab[(size_t)t * S + s],
                      m, s);
        tab[(size_t)t * S + s] = m;
        if (sched_slots_has(&pb->tables[t].closed, s))
            violation(c, "meeting %d: table %d is closed in slot %d", m, t, s);
        int o = pb->tables[t].owner;
        if (owner[a] || owner[b]) {
            if (!((owner[a] && o == a) || (owner[b] && o == b)))
                violation(c, "meeting %d: booth owner not at an own booth (table %d)", m, t);
        } else if (o != -1) {
            violation(c, "meeting %d: uses booth %d of participant %d", m, t, o);
        }
        if ((x->flags & SCHED_M_FIXED_SLOT) && s != x->fixed_slot)
            violation(c, "meeting %d: in slot %d, fixed to %d", m, s, x->fixed_slot);
        if ((x->flags & SCHED_M_FIXED_TABLE) && t != x->fixed_table)
            violation(c, "meeting %d: at table %d, fixed to %d", m, t, x->fixed_table);
        if ((x->flags & SCHED_M_SESSION) && pb->slots[s].session != x->session)
            violation(c, "meeting %d: in session %d, bound to %d", m, pb->slots[s].session,
                      x->session);
        if (x->flags & SCHED_M_INTERPRETER)
            interp[s]++;
        if (!forced) {
            for (int i = 0; i < pb->n_vetoes; i++) {
                const struct sched_pair *v = &pb->vetoes[i];
                if ((v->a == a && v->b == b) || (v->a == b && v->b == a))
                    violation(c, "meeting %d: the pair is vetoed", m);
            }
            if (pb->n_groups) {
                int ga = pb->participants[a].group, gb = pb->participants[b].group;
                if (!pb->group_allow[ga * pb->n_groups + gb] &&
                    !pb->group_allow[gb * pb->n_groups + ga])
                    violation(c, "meeting %d: groups %d and %d may not meet", m, ga, gb);
            }
        }
        if (pb->mode == SCHED_CHOOSE && (x->flags & SCHED_M_SUGGESTION) &&
            !(x->flags & (SCHED_M_ACCEPTED | SCHED_M_FORCED | SCHED_M_LOCKED | SCHED_M_MUTUAL)) &&
            (!pb->suggestions || x->value < pb->suggestion_min))
            violation(c, "meeting %d: a suggestion that is off or below the threshold", m);
        pairs[npairs++] = a < b ? (uint64_t)a << 32 | (uint32_t)b : (uint64_t)b << 32 | (uint32_t)a;
    }
    qsort(pairs, (size_t)npairs, sizeof(*pairs), cmp_u64);
    for (int i = 1; i < npairs; i++)
        if (pairs[i] == pairs[i - 1])
            violation(c, "participants %d and %d meet twice", (int)(pairs[i] >> 32),
                      (int)(pairs[i] & 0xffffffff));
    for (int p = 0; p < P; p++) {
        int mx = pb->participants[p].max_meetings;
        if (mx > 0 && cnt[p] > mx)
            violation(c, "participant %d has %d meetings, cap %d", p, cnt[p], mx);
    }
    for (int s = 0; s < S; s++) {
        int cap = pb->slots[s].interpreters >= 0 ? pb->slots[s].interpreters : pb->interpreter_cap;
        if (cap >= 0 && interp[s] > cap)
            violation(c, "slot %d needs %d interpreters, cap %d", s, interp[s], cap);
    }
    for (int m = 0; m < M; m++) {
        const struct sched_meeting *x = &pb->meetings[m];
        if (slot_of[m] < 0)
            continue;
        for (int i = 0; i < x->after_count; i++) {
            int y = pb->after[x->after_first + i];
            if (slot_of[y] >= 0 && slot_of[y] >= slot_of[m])
                violation(c, "meeting %d in slot %d must come after meeting %d in slot %d", m,
                          slot_of[m], y, slot_of[y]);
        }
    }
    /* Re-scheduling report. */
    for (int m = 0; m < M; m++) {
        const struct sched_meeting *x = &pb->meetings[m];
        const struct sched_placement *pl = &r->placements[m];
        int want = SCHED_MOVE_NONE;
        if (x->flags & SCHED_M_PUBLISHED)
            want = pl->slot < 0                 ? SCHED_MOVE_DROPPED
                   : pl->slot != x->prev_slot   ? SCHED_MOVE_SLOT
                   : pl->table != x->prev_table ? SCHED_MOVE_TABLE
                                                : SCHED_MOVE_NONE;
        if (pl->moved != want)
            violation(c, "meeting %d: moved is %d, expected %d", m, pl->moved, want);
    }

    /* Totals. */
    int total = sched_check_breaks_idle(pb, slot_of, brk, &c->max_breaks, &c->idle);
    if (total < 0) {
        rc = total;
        goto out;
    }
    c->breaks = total;
    for (int p = 0; p < P; p++)
        c->sumsq_breaks += (int64_t)brk[p] * brk[p];
    if (r->placed != c->placed)
        violation(c, "result says %d placed, recomputed %d", r->placed, c->placed);
    if (r->breaks != c->breaks || r->max_breaks != c->max_breaks ||
        r->sumsq_breaks != c->sumsq_breaks)
        violation(c, "result says %d breaks (max %d), recomputed %d (max %d)", r->breaks,
                  r->max_breaks, c->breaks, c->max_breaks);
    if (r->idle != c->idle)
        violation(c, "result says %d idle slots in breaks, recomputed %d", r->idle, c->idle);
    if (r->value != c->value)
        violation(c, "result says value %lld, recomputed %lld", (long long)r->value,
                  (long long)c->value);
    for (int p = 0; p < P && r->meetings_of && r->breaks_of; p++)
        if (r->meetings_of[p] != cnt[p] || r->breaks_of[p] != brk[p]) {
            violation(c, "participant %d: result says %d meetings %d breaks, recomputed %d, %d", p,
                      r->meetings_of[p], r->breaks_of[p], cnt[p], brk[p]);
            break;
        }
    for (int s = 0; s < S && r->meetings_in_slot && r->interpreters_in_slot; s++)
        if (r->meetings_in_slot[s] != inslot[s] || r->interpreters_in_slot[s] != interp[s]) {
            violation(c, "slot %d: result says %d meetings %d interpreters, recomputed %d, %d", s,
                      r->meetings_in_slot[s], r->interpreters_in_slot[s], inslot[s], interp[s]);
            break;
        }
out:
    free(who);
    free(tab);
    free(cnt);
    free(brk);
    free(slot_of);
    free(interp);
    free(inslot);
    free(pairs);
    free(owner);
    if (rc)
        return rc;
    return c->violations ? SM_EINVAL : 0;
}
