/*
 * fuzz_postings.c - libFuzzer target for the posting list records (engine/postings.h): every
 * input is read both as an ix_blk value (a record) and as an ix_tail value (a count, then a
 * record). A record that decodes holds ascending docids >= 1, at most POST_BLOCK of them, and
 * encodes back to bytes that decode to the same docids (its varints may have been longer than
 * needed: that is allowed); a tail that decodes holds no more docids than its count.
 *
 * Built as a libFuzzer binary with -Dfuzz=true (clang), and always as fuzz_postings_run, which
 * links fuzz_driver.c instead of libFuzzer so the same code runs in `meson test` under ASan.
 * Seeds (corpus_postings/): records of a few lists.
 */
#include "sm.h"

#include "postings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t ids[POST_BLOCK], again[POST_BLOCK];
    uint8_t buf[5 + 5 * POST_BLOCK];
    size_t n, m, len;
    uint32_t count;

    if (post_tail_decode(data, size, &count, ids, &n) == 0) {
        if (n > count || n > POST_BLOCK)
            abort();
        for (size_t i = 0; i < n; i++)
            if (ids[i] == 0 || (i && ids[i] <= ids[i - 1]))
                abort();
    }
    if (post_record_decode(data, size, ids, POST_BLOCK, &n) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] == 0 || (i && ids[i] <= ids[i - 1]))
            abort();
    len = post_record_encode(ids, n, buf);
    if (len > size || post_record_decode(buf, len, again, POST_BLOCK, &m) != 0 || m != n ||
        memcmp(ids, again, n * sizeof(*ids)) != 0)
        abort();
    return 0;
}
