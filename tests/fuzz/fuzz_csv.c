/*
 * fuzz_csv.c - libFuzzer target for the gateway's import decoders (CSV via libcsv, and
 * NDJSON), fed the same bytes: either the whole request is refused with a named error, or
 * every batch is a msgpack body that passes the protocol checks, holds exactly its count of
 * maps with strictly increasing line numbers, and the rendered report is valid JSON.
 *
 * Built as a libFuzzer binary with -Dfuzz=true (clang), and always as fuzz_csv_run with
 * fuzz_driver.c, so `meson test` runs it under ASan.
 */
#include "sm.h"

#include "import.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(enum import_format fmt, const uint8_t *data, size_t size)
{
    struct import imp;
    struct import_batch b;
    struct buf out = BUF_INIT;
    struct sm_error e;
    uint32_t last = 0;
    json_error_t jerr;
    json_t *report;

    if (import_init(&imp, fmt, (const char *)data, size, &e)) {
        if (e.code != SM_EINVAL && e.code != SM_EBADREQ)
            abort();
        return;
    }
    import_batch_init(&b);
    for (;;) {
        msgpack_unpacked u;
        const msgpack_object *arr;
        const char *body;
        size_t len;

        if (import_next(&imp, &b))
            abort();
        if (b.n == 0) {
            if (!imp.done)
                abort(); /* an empty batch means the end */
            break;
        }
        if (b.n > IMPORT_BATCH_MAX)
            abort();
        body = import_batch_body(&b, &len);
        msgpack_unpacked_init(&u);
        if (proto_unpack(body, len, NULL, &u))
            abort();
        arr = proto_map_get(&u.data, "profiles");
        if (!arr || arr->type != MSGPACK_OBJECT_ARRAY || arr->via.array.size != b.n)
            abort();
        for (uint32_t i = 0; i < b.n; i++) {
            if (arr->via.array.ptr[i].type != MSGPACK_OBJECT_MAP || b.lines[i] <= last)
                abort();
            last = b.lines[i];
            /* Pretend the engine refused every other profile, as it may. */
            if (i % 2) {
                sm_error_set(&e, SM_EINVAL, "kind", "kind must be sme, large, foreign or service");
                import_add_error(&imp, b.lines[i], b.ids[i], &e);
            } else {
                imp.stored++;
            }
        }
        msgpack_unpacked_destroy(&u);
    }
    if (import_render(&imp, &out))
        abort();
    report = json_loadb(out.data, out.len, 0, &jerr);
    if (!report) {
        fprintf(stderr, "report is not json: %s\n%s\n", jerr.text, out.data);
        abort();
    }
    json_decref(report);
    buf_release(&out);
    import_batch_release(&b);
    import_release(&imp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(IMPORT_CSV, data, size);
    run(IMPORT_NDJSON, data, size);
    return 0;
}
