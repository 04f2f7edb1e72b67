/*
 * testutil.h - helpers for the engine's unit tests: profiles written as JSON (jansson) and
 * converted to msgpack, hostile byte strings, and temporary data folders.
 */
#ifndef SM_TESTUTIL_H
#define SM_TESTUTIL_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Pack JSON text as msgpack into sb (cleared first). Strings that are exactly one of these
 * sentinels become malformed UTF-8 on the wire, which JSON cannot carry:
 *   "!bad-utf8!"   "ab" 0xC3 0x28      (a lead byte followed by ASCII)
 *   "!overlong!"   0xC0 0xAF           (overlong "/")
 *   "!surrogate!"  0xED 0xA0 0x80      (U+D800)
 *   "!nul!"        "a" 0x00 "b"        (an embedded NUL)
 * Aborts the test on invalid JSON.
 */
void tu_pack_json(msgpack_sbuffer *sb, const char *json);

/* tu_pack_json then unpack into u (caller destroys u); returns &u->data. */
const msgpack_object *tu_obj(msgpack_unpacked *u, const char *json);

/*
 * A valid profile as JSON (the example of SPEC §2) with id, and with extra members merged in
 * at the top level (JSON object text, e.g. "{\"kind\": \"giant\"}"; NULL for none); a member
 * whose value is the string "!delete!" is removed.
 */
char *tu_profile_json(const char *id, const char *extra);

/* A string of n copies of c (caller frees). */
char *tu_repeat(char c, size_t n);

/* mkdtemp under $TMPDIR or /tmp (caller frees); tu_rmtree removes it and everything under it. */
char *tu_tempdir(void);
void tu_rmtree(const char *path);

#endif
