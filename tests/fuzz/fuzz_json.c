/*
 * fuzz_json.c - libFuzzer target for the gateway's JSON decoder (jsonmp): any bytes either
 * fail with a message, or parse, pack to msgpack that passes the protocol's checks, print
 * back to JSON, and that JSON parses to a value equal to the first (a lossless round trip).
 *
 * Built as a libFuzzer binary with -Dfuzz=true (clang), and always as fuzz_json_run with
 * fuzz_driver.c, so `meson test` runs it under ASan.
 */
#include "sm.h"

#include "jsonmp.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct jsonmp_limits lim = {.max_bytes = 1 << 20, .max_depth = 16};
    struct buf mp = BUF_INIT, out = BUF_INIT;
    msgpack_packer pk;
    msgpack_unpacked u;
    struct sm_error e;
    json_t *j, *k;

    if (jsonmp_parse((const char *)data, size, &lim, &j, &e)) {
        if (!e.message[0] || (e.code != SM_EBADREQ && e.code != SM_ETOOLARGE))
            abort();
        return 0;
    }
    msgpack_packer_init(&pk, &mp, buf_msgpack_write);
    if (jsonmp_pack(j, &pk) || buf_err(&mp))
        abort();
    msgpack_unpacked_init(&u);
    if (proto_unpack(mp.data, mp.len, NULL, &u))
        abort();
    if (jsonmp_to_json(&u.data, NULL, &out))
        abort();
    if (jsonmp_parse(out.data, out.len, &lim, &k, &e)) {
        fprintf(stderr, "re-parse failed: %s\n%s\n", e.message, out.data);
        abort();
    }
    if (!json_equal(j, k)) {
        fprintf(stderr, "round trip changed the value:\n%s\n", out.data);
        abort();
    }
    json_decref(j);
    json_decref(k);
    msgpack_unpacked_destroy(&u);
    buf_release(&mp);
    buf_release(&out);
    return 0;
}
