/*
 * sse.h - Server-Sent Events: framing of events and the per-stream cursor that merges a replay
 * of past changes with live ones, without duplicates and without gaps.
 *
 * An event stream carries the changes of one matchmaking event; every change has a sequence
 * number, monotonic from 1 per event (docs/protocol.md "Events"). A stream remembers the last
 * seq it sent (c->last). A live change that follows on (last + 1) is sent at once; one at or
 * below last is a duplicate and dropped; one further ahead reveals a gap (missed while the
 * publisher was unreachable, or dropped at a high-water mark): it is buffered and the caller
 * fetches the missing changes (event.changes since last) as a replay. While a replay runs,
 * every live change is buffered; when the replay's last page is in, the buffered changes that
 * follow on are sent and the stream is live again.
 *
 * Pure logic: no I/O, no globals. The cursor only appends bytes to the caller's buffer; the
 * caller writes them to the client and does the fetching.
 */
#ifndef GW_SSE_H
#define GW_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Append one event: "id: <seq>\nevent: <type>\ndata: <line>\n" for every line of data, then
 * an empty line. type with a line break is cut at it (a field is one line). CR, LF and CRLF
 * in data all split lines, as the SSE parser of the client will.
 */
void sse_frame(struct buf *out, uint64_t seq, const char *type, size_t type_len, const char *data,
               size_t data_len);
/* Append a comment line (": text\n\n"), e.g. the heartbeat ": ping". */
void sse_comment(struct buf *out, const char *text);

/* What the caller must do after feeding the cursor. */
enum sse_action {
    SSE_OK = 0,    /* nothing: what is due has been appended to out */
    SSE_FETCH = 1, /* fetch changes since c->last and feed them as a replay */
};

struct sse_pending {
    uint64_t seq;
    char *frame; /* owned */
    size_t len;
};

struct sse_cursor {
    uint64_t last;  /* highest seq sent to the client (0: none yet) */
    bool replaying; /* a fetch is in progress: live changes are buffered */
    size_t max_pending;
    struct sse_pending *pend; /* buffered live changes, sorted by seq, unique */
    size_t n_pend, cap_pend;
    unsigned replay_new; /* changes sent by the replay in progress */
};

/* Start after seq last (0: from the beginning), not replaying. max_pending: buffered changes. */
void sse_cursor_init(struct sse_cursor *c, uint64_t last, size_t max_pending);
/* Free the buffered changes. */
void sse_cursor_release(struct sse_cursor *c);

/*
 * A live change seq whose event frame (sse_frame) is frame[0..len). Appends to out what can
 * be sent now. Returns SSE_OK, SSE_FETCH (a gap: start a replay since c->last), SM_ETOOLARGE
 * (more than max_pending buffered: the client is too far behind, close the stream) or -ENOMEM.
 */
int sse_cursor_live(struct sse_cursor *c, uint64_t seq, const char *frame, size_t len,
                    struct buf *out);
/* A fetch is starting: buffer live changes until sse_cursor_replay_end(). */
void sse_cursor_replay_begin(struct sse_cursor *c);
/* One change of the replay, in seq order: appended to out unless already sent. */
void sse_cursor_replay(struct sse_cursor *c, uint64_t seq, const char *frame, size_t len,
                       struct buf *out);
/*
 * A page of the replay is done. more: the page was full, so the caller fetches the next one
 * (returns SSE_FETCH and stays replaying). Otherwise the buffered changes that follow on are
 * appended and the cursor is live again (SSE_OK), or SSE_FETCH if a gap remains before the
 * first buffered change. A replay that brought nothing new cannot close that gap: the
 * buffered changes are then sent anyway rather than fetching forever.
 */
int sse_cursor_replay_end(struct sse_cursor *c, bool more, struct buf *out);

#endif
