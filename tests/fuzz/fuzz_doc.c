/*
 * fuzz_doc.c - libFuzzer target for the index's stored docs (engine/match/doc.h): the bytes of
 * an ix_docs record after LZ4, in either form (built block or packed). A record that loads must
 * be safe to score, and its packed form (when it has one) must unpack to a doc that passes the
 * built form's own checks. (A corrupted built doc may pack to bytes unpack refuses, e.g. a
 * repeated term: that is a refusal, not a finding; docs from match_doc_build always round trip,
 * which test_doc.c checks.)
 *
 * Built as a libFuzzer binary with -Dfuzz=true (clang), and always as fuzz_doc_run, which links
 * fuzz_driver.c instead of libFuzzer so the same code runs in `meson test` under ASan.
 * Seeds (corpus_doc/): packed and built docs of sample expo profiles.
 */
#include "sm.h"

#include "match/doc.h"
#include "match/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct match_doc *d = NULL, *e = NULL;
    struct score_lead l;
    struct score_explain ex;
    void *packed = NULL;
    size_t len = 0;

    if (match_doc_load(data, size, &d) != 0)
        return 0;
    score_pair(NULL, NULL, d, d, &l, &ex);
    if (match_doc_pack(d, &packed, &len) == 0 && match_doc_unpack(packed, len, &e) == 0) {
        struct match_doc *again = NULL;

        if (match_doc_load(e, e->size, &again) != 0)
            abort();
        match_doc_destroy(&again);
        score_pair(NULL, NULL, d, e, &l, &ex);
    }
    free(packed);
    match_doc_destroy(&e);
    match_doc_destroy(&d);
    return 0;
}
