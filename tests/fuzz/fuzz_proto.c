/*
 * fuzz_proto.c - libFuzzer target for every decoder a peer's bytes reach in the engine:
 * ops_peek_op (the broker's router), proto_check/proto_unpack, proto_parse_request and
 * proto_parse_reply, and profile_decode on the request, its body, body.profile and every
 * body.profiles[i]. A profile that decodes must re-encode to bytes that decode to the same
 * bytes again (canonical encoding is a fixed point).
 *
 * Built as a libFuzzer binary with -Dfuzz=true (clang), and always as fuzz_proto_run, which
 * links fuzz_driver.c instead of libFuzzer so the same code runs in `meson test` under ASan.
 */
#include "sm.h"

#include "ops.h"
#include "profile.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small limits so the fuzzer explores the limit paths too. */
static const struct proto_limits lim = {
    .max_bytes = 1 << 20, .max_depth = 24, .max_items = 1 << 16};

static void roundtrip(const msgpack_object *obj, bool stamps)
{
    struct profile p, q;
    struct sm_error e;
    msgpack_sbuffer a, b;
    msgpack_packer pk;
    msgpack_unpacked u;

    if (profile_decode(obj, NULL, stamps, &p, &e) != 0)
        return;
    msgpack_sbuffer_init(&a);
    msgpack_sbuffer_init(&b);
    msgpack_unpacked_init(&u);
    msgpack_packer_init(&pk, &a, msgpack_sbuffer_write);
    if (profile_encode(&p, true, &pk) != 0)
        abort();
    if (proto_unpack(a.data, a.size, NULL, &u) != 0)
        abort();
    if (profile_decode(&u.data, NULL, true, &q, &e) != 0) {
        fprintf(stderr, "re-decode failed at %s: %s\n", e.field, e.message);
        abort();
    }
    msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
    if (profile_encode(&q, true, &pk) != 0 || a.size != b.size ||
        memcmp(a.data, b.data, a.size) != 0)
        abort();
    msgpack_sbuffer_clear(&b);
    if (profile_encode(&q, false, &pk) != 0)
        abort();
    profile_release(&p);
    profile_release(&q);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&a);
    msgpack_sbuffer_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    msgpack_unpacked u;
    struct proto_request req;
    struct proto_reply rep;
    struct sm_error e;
    const char *op;
    size_t op_len;

    if (ops_peek_op(data, size, &op, &op_len) &&
        (op < (const char *)data || op + op_len > (const char *)data + size))
        abort();
    msgpack_unpacked_init(&u);
    if (proto_unpack(data, size, &lim, &u) == 0) {
        proto_parse_reply(&u.data, &rep);
        roundtrip(&u.data, false);
        roundtrip(&u.data, true);
        if (proto_parse_request(&u.data, &req, &e) == 0) {
            const msgpack_object *list = proto_map_get(req.body, "profiles");

            roundtrip(req.body, false);
            if (proto_map_get(req.body, "profile"))
                roundtrip(proto_map_get(req.body, "profile"), false);
            if (list && list->type == MSGPACK_OBJECT_ARRAY)
                for (uint32_t i = 0; i < list->via.array.size; i++)
                    roundtrip(&list->via.array.ptr[i], false);
        }
    }
    msgpack_unpacked_destroy(&u);
    return 0;
}
