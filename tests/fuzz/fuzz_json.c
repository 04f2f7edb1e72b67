/*
 * fuzz_json.c - libFuzzer target for the gateway's JSON decoders (jsonmp): any bytes either
 * fail with a message, or parse, pack to msgpack that passes the protocol's checks, print
 * back to JSON, and that JSON parses to a value equal to the first (a lossless round trip).
 * The streaming decoder (jsonmp_transcode, yajl) must agree with the tree (jansson) on every
 * input: the same bytes when both accept it, and the same error code when both refuse it.
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

    struct buf tc = BUF_INIT;
    struct sm_error te;
    int rc = jsonmp_parse((const char *)data, size, &lim, &j, &e);
    int trc = jsonmp_transcode((const char *)data, size, &lim, &tc, NULL, &te);

    if (rc != trc || (trc && (!te.message[0] || tc.len))) {
        fprintf(stderr, "tree %d (%s), transcode %d (%s) on:\n", rc, rc ? e.message : "", trc,
                trc ? te.message : "");
        fwrite(data, 1, size, stderr);
        abort();
    }
    if (rc) {
        if (!e.message[0] || (e.code != SM_EBADREQ && e.code != SM_ETOOLARGE))
            abort();
        buf_release(&tc);
        return 0;
    }
    msgpack_packer_init(&pk, &mp, buf_msgpack_write);
    if (jsonmp_pack(j, &pk) || buf_err(&mp))
        abort();
    if (tc.len != mp.len || memcmp(tc.data, mp.data, mp.len) != 0) {
        fprintf(stderr, "transcode packed other bytes than the tree\n");
        abort();
    }
    buf_release(&tc);
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
