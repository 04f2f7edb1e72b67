/* sse.c - Server-Sent Events framing and the replay/live cursor; see sse.h. */
#include "sm.h"
#include "err.h"
#include "sse.h"

void sse_frame(struct buf *out, uint64_t seq, const char *type, size_t type_len, const char *data,
               size_t data_len)
{
    size_t i = 0, start = 0;

    buf_printf(out, "id: %" PRIu64 "\n", seq);
    for (size_t k = 0; k < type_len; k++) {
        if (type[k] == '\r' || type[k] == '\n') {
            type_len = k;
            break;
        }
    }
    if (type_len) {
        buf_puts(out, "event: ");
        buf_append(out, type, type_len);
        buf_putc(out, '\n');
    }
    /* Every line of data gets its own "data:" field; the client joins them with "\n". */
    for (;;) {
        if (i == data_len || data[i] == '\r' || data[i] == '\n') {
            buf_puts(out, "data: ");
            buf_append(out, data + start, i - start);
            buf_putc(out, '\n');
            if (i == data_len)
                break;
            if (data[i] == '\r' && i + 1 < data_len && data[i + 1] == '\n')
                i++;
            start = ++i;
            continue;
        }
        i++;
    }
    buf_putc(out, '\n');
}

void sse_comment(struct buf *out, const char *text)
{
    buf_puts(out, ": ");
    buf_puts(out, text);
    buf_puts(out, "\n\n");
}

void sse_cursor_init(struct sse_cursor *c, uint64_t last, size_t max_pending)
{
    memset(c, 0, sizeof(*c));
    c->last = last;
    c->max_pending = max_pending ? max_pending : 1;
}

void sse_cursor_release(struct sse_cursor *c)
{
    for (size_t i = 0; i < c->n_pend; i++)
        free(c->pend[i].frame);
    free(c->pend);
    c->pend = NULL;
    c->n_pend = c->cap_pend = 0;
}

/* Insert in seq order; a seq already buffered is kept once. */
static int buffer(struct sse_cursor *c, uint64_t seq, const char *frame, size_t len)
{
    size_t at = c->n_pend;
    char *copy;

    while (at > 0 && c->pend[at - 1].seq >= seq) {
        if (c->pend[at - 1].seq == seq)
            return SSE_OK;
        at--;
    }
    if (c->n_pend >= c->max_pending)
        return SM_ETOOLARGE;
    if (c->n_pend == c->cap_pend) {
        size_t cap = c->cap_pend ? c->cap_pend * 2 : 8;
        struct sse_pending *p = realloc(c->pend, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        c->pend = p;
        c->cap_pend = cap;
    }
    copy = malloc(len ? len : 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, frame, len);
    memmove(c->pend + at + 1, c->pend + at, (c->n_pend - at) * sizeof(*c->pend));
    c->pend[at].seq = seq;
    c->pend[at].frame = copy;
    c->pend[at].len = len;
    c->n_pend++;
    return SSE_OK;
}

/* Send the buffered changes that follow on from last (skip_gap: also across a gap). */
static void flush(struct sse_cursor *c, bool skip_gap, struct buf *out)
{
    size_t i = 0;

    for (; i < c->n_pend; i++) {
        struct sse_pending *p = &c->pend[i];

        if (p->seq <= c->last) {
            free(p->frame);
            continue;
        }
        if (p->seq != c->last + 1 && !skip_gap)
            break;
        buf_append(out, p->frame, p->len);
        c->last = p->seq;
        free(p->frame);
    }
    if (i == 0)
        return;
    memmove(c->pend, c->pend + i, (c->n_pend - i) * sizeof(*c->pend));
    c->n_pend -= i;
}

int sse_cursor_live(struct sse_cursor *c, uint64_t seq, const char *frame, size_t len,
                    struct buf *out)
{
    int rc;

    if (seq <= c->last)
        return SSE_OK; /* already sent (by a replay, or a duplicate) */
    if (c->replaying)
        return buffer(c, seq, frame, len);
    if (seq == c->last + 1 && c->n_pend == 0) {
        buf_append(out, frame, len);
        c->last = seq;
        return SSE_OK;
    }
    /* Ahead of what we have: something was missed; keep this one for after the fetch. */
    rc = buffer(c, seq, frame, len);
    if (rc)
        return rc;
    flush(c, false, out);
    return c->n_pend ? SSE_FETCH : SSE_OK;
}

void sse_cursor_replay_begin(struct sse_cursor *c)
{
    c->replaying = true;
    c->replay_new = 0;
}

void sse_cursor_replay(struct sse_cursor *c, uint64_t seq, const char *frame, size_t len,
                       struct buf *out)
{
    if (seq <= c->last)
        return;
    /* A hole in the history itself cannot be filled from anywhere: go on after it. */
    buf_append(out, frame, len);
    c->last = seq;
    c->replay_new++;
}

int sse_cursor_replay_end(struct sse_cursor *c, bool more, struct buf *out)
{
    if (more && c->replay_new > 0)
        return SSE_FETCH;
    flush(c, c->replay_new == 0, out);
    c->replaying = false;
    if (c->n_pend) {
        c->replaying = true;
        c->replay_new = 0;
        return SSE_FETCH;
    }
    return SSE_OK;
}
