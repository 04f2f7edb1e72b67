/* bench_xapian.cc - the Xapian BM25 peer over the same texts as FTS5; see bench_xapian.h. */
#include <xapian.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <new>
#include <string>

extern "C" {
#include "err.h"
}
#include "bench_xapian.h"

#include <cstdlib>

struct bench_xapian {
    std::string path, build_path;
    Xapian::Stem stem{"english"};
    std::unique_ptr<Xapian::WritableDatabase> wdb; /* until bench_xapian_finish */
    Xapian::TermGenerator tg;
    Xapian::Database db; /* the compacted file, after finish */
    std::unique_ptr<Xapian::Enquire> enq;
    Xapian::QueryParser qp;
};

namespace
{

/* Run f, turning any exception into a negative code and a message: nothing may unwind into C. */
template <typename F> int guard(const char *what, F f) noexcept
{
    try {
        return f();
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian: %s: %s: %s\n", what, e.get_type(), e.get_msg().c_str());
        return SM_EINTERNAL;
    } catch (const std::bad_alloc &) {
        std::fprintf(stderr, "xapian: %s: out of memory\n", what);
        return -ENOMEM;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "xapian: %s: %s\n", what, e.what());
        return SM_EINTERNAL;
    } catch (...) {
        std::fprintf(stderr, "xapian: %s: unknown exception\n", what);
        return SM_EINTERNAL;
    }
}

/* FTS5's bm25() parameters; k2, k3 and min_normlen are Xapian's defaults (bench_xapian.h). */
const double BM25_K1 = 1.2, BM25_K2 = 0, BM25_K3 = 1, BM25_B = 0.75, BM25_MIN_NORMLEN = 0.5;

} // namespace

int bench_xapian_open(struct bench_xapian **px, const char *path)
{
    *px = nullptr;
    /*
     * A bulk build: flush every 100,000 documents instead of Xapian's default 10,000 (fewer
     * merges of the posting lists; the user's own setting wins). Index build time is printed,
     * not compared with a target.
     */
    setenv("XAPIAN_FLUSH_THRESHOLD", "100000", 0);
    return guard("open", [&] {
        std::unique_ptr<bench_xapian> x(new bench_xapian);

        x->path = path;
        x->build_path = x->path + ".build";
        std::filesystem::remove_all(x->path);
        std::filesystem::remove_all(x->build_path);
        /* No fsync, as FTS5 runs with synchronous=OFF: a throw-away index. */
        x->wdb.reset(new Xapian::WritableDatabase(x->build_path, Xapian::DB_CREATE_OR_OVERWRITE |
                                                                     Xapian::DB_BACKEND_GLASS |
                                                                     Xapian::DB_NO_SYNC));
        x->tg.set_stemmer(x->stem);
        x->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        x->qp.set_stemmer(x->stem);
        x->qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
        x->qp.set_default_op(Xapian::Query::OP_OR);
        *px = x.release();
        return 0;
    });
}

int bench_xapian_add(struct bench_xapian *x, int64_t rowid, const char *text, size_t len)
{
    if (!x->wdb || rowid < 0 || rowid >= (int64_t)UINT32_MAX) {
        std::fprintf(stderr, "xapian: add: rowid %lld out of range or index finished\n",
                     (long long)rowid);
        return SM_EINVAL;
    }
    return guard("add", [&] {
        Xapian::Document doc;

        x->tg.set_document(doc);
        x->tg.index_text(Xapian::Utf8Iterator(text, len));
        /*
         * docid = rowid + 1, so that a profile without text leaves a gap, not a shift. Rows come
         * in order: add_document when the docid is the next one (replace_document looks the
         * docid up first and made the build ~20x slower), replace_document after a gap.
         */
        Xapian::docid want = (Xapian::docid)(rowid + 1);
        if (want == x->wdb->get_lastdocid() + 1)
            x->wdb->add_document(doc);
        else
            x->wdb->replace_document(want, doc);
        return 0;
    });
}

int bench_xapian_finish(struct bench_xapian *x)
{
    if (!x->wdb) {
        std::fprintf(stderr, "xapian: finish: called twice\n");
        return SM_EINVAL;
    }
    return guard("finish", [&] {
        x->wdb->commit();
        x->wdb->compact(x->path, Xapian::DBCOMPACT_SINGLE_FILE | Xapian::DBCOMPACT_NO_RENUMBER);
        x->wdb->close();
        x->wdb.reset();
        std::filesystem::remove_all(x->build_path);
        x->db = Xapian::Database(x->path);
        x->enq.reset(new Xapian::Enquire(x->db));
        x->enq->set_weighting_scheme(
            Xapian::BM25Weight(BM25_K1, BM25_K2, BM25_K3, BM25_B, BM25_MIN_NORMLEN));
        return 0;
    });
}

int bench_xapian_search(struct bench_xapian *x, const char *terms, int64_t exclude, int64_t *out,
                        int k)
{
    if (!x->enq || k < 0) {
        std::fprintf(stderr, "xapian: search: index not finished\n");
        return SM_EINVAL;
    }
    if (!*terms || k == 0)
        return 0;
    return guard("search", [&] {
        /* No operator syntax (flags 0): the terms are plain words, OR-ed by default_op. */
        Xapian::Query q = x->qp.parse_query(terms, 0);
        Xapian::MSet m;
        int n = 0;

        if (q.empty())
            return 0;
        x->enq->set_query(q);
        m = x->enq->get_mset(0, (Xapian::doccount)k + (exclude >= 0));
        for (Xapian::MSetIterator it = m.begin(); it != m.end() && n < k; ++it) {
            int64_t id = (int64_t)*it - 1;
            if (id != exclude)
                out[n++] = id;
        }
        return n;
    });
}

void bench_xapian_close(struct bench_xapian **px)
{
    struct bench_xapian *x = *px;

    if (!x)
        return;
    *px = nullptr;
    /* Closing an unfinished writable database may commit (and so throw): the index is being
     * thrown away, so an error here only gets a message. */
    guard("close", [&] {
        if (x->wdb)
            x->wdb->close();
        return 0;
    });
    delete x;
}
