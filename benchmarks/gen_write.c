/*
 * gen_write.c - NDJSON, CSV and TSV output of the generator through one buffered writer; see
 * gen_write.h.
 */
#include "sm.h"

#include "gen_write.h"

#define OUT_BUF (1u << 20)
#define OUT_ROOM (64u << 10) /* a profile is far below this; flush before it could overflow */

int gen_out_init(struct gen_out *o, FILE *f)
{
    /* f == NULL: a growing memory buffer. */
    memset(o, 0, sizeof(*o));
    o->f = f;
    o->cap = OUT_BUF;
    o->buf = malloc(o->cap);
    return o->buf ? 0 : -ENOMEM;
}

int gen_out_flush(struct gen_out *o)
{
    if (!o->f) /* a memory buffer: nothing to flush */
        return o->err;
    if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->err = errno ? -errno : -EIO;
    o->len = 0;
    return o->err;
}

/* Make room for n more bytes: flush to the FILE, or grow a memory buffer. */
static void make_room(struct gen_out *o, size_t n)
{
    if (o->cap - o->len >= n)
        return;
    if (o->f) {
        gen_out_flush(o);
        return;
    }
    size_t cap = o->cap ? o->cap : OUT_BUF;
    while (cap - o->len < n)
        cap *= 2;
    char *b = realloc(o->buf, cap);
    if (!b) {
        o->err = -ENOMEM;
        return;
    }
    o->buf = b;
    o->cap = cap;
}

int gen_out_release(struct gen_out *o)
{
    int err = gen_out_flush(o);
    free(o->buf);
    o->buf = NULL;
    return err;
}

void gen_out_put(struct gen_out *o, const char *s, size_t n)
{
    if (o->cap - o->len >= n) { /* the usual case: room left */
        memcpy(o->buf + o->len, s, n);
        o->len += n;
        return;
    }
    while (n) {
        make_room(o, o->f ? 1 : n);
        if (o->len == o->cap)
            return; /* out of memory, recorded in o->err */
        size_t c = SM_MIN(n, o->cap - o->len);
        memcpy(o->buf + o->len, s, c);
        o->len += c;
        s += c;
        n -= c;
    }
}

void gen_out_puts(struct gen_out *o, const char *s)
{
    gen_out_put(o, s, strlen(s));
}

static void put_char(struct gen_out *o, char c)
{
    if (o->len == o->cap) {
        make_room(o, 1);
        if (o->len == o->cap)
            return;
    }
    o->buf[o->len++] = c;
}

static void put_int(struct gen_out *o, long v)
{
    char d[24];
    int n = 0;
    unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
    do {
        d[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        put_char(o, '-');
    while (n)
        put_char(o, d[--n]);
}

/* ---- JSON ---- */

/* Whether any byte of the 8 in w is below 0x20, '"' or '\\' (bit tricks of Hacker's Delight). */
static int word_needs_escape(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    uint64_t lt = (w - ones * 0x20) & ~w;
    uint64_t zq = (q - ones) & ~q, zb = (b - ones) & ~b;
    return ((lt | zq | zb) & highs) != 0;
}

/* A JSON string: quotes, backslashes and control characters escaped; UTF-8 passes through. */
static void json_str(struct gen_out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s), i = 0, run = 0;

    put_char(o, '"');
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!word_needs_escape(w)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        gen_out_put(o, s + run, i - run);
        run = ++i;
        switch (c) {
        case '"': gen_out_put(o, "\\\"", 2); break;
        case '\\': gen_out_put(o, "\\\\", 2); break;
        case '\n': gen_out_put(o, "\\n", 2); break;
        case '\r': gen_out_put(o, "\\r", 2); break;
        case '\t': gen_out_put(o, "\\t", 2); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            gen_out_put(o, e, 6);
        }
        }
    }
    gen_out_put(o, s + run, n - run);
    put_char(o, '"');
}

static void json_key(struct gen_out *o, const char *k, int first)
{
    if (!first)
        put_char(o, ',');
    put_char(o, '"');
    gen_out_puts(o, k);
    gen_out_put(o, "\":", 2);
}

static void json_list(struct gen_out *o, const struct gen_list *l)
{
    put_char(o, '[');
    for (unsigned i = 0; i < l->n; i++) {
        if (i)
            put_char(o, ',');
        json_str(o, l->v[i]);
    }
    put_char(o, ']');
}

static void json_items(struct gen_out *o, const struct gen_item *it, unsigned n)
{
    put_char(o, '[');
    for (unsigned i = 0; i < n; i++) {
        if (i)
            put_char(o, ',');
        put_char(o, '{');
        json_key(o, "type", 1);
        json_str(o, it[i].type);
        json_key(o, "sectors", 0);
        json_list(o, &it[i].sectors);
        json_key(o, "keywords", 0);
        json_list(o, &it[i].keywords);
        json_key(o, "text", 0);
        json_str(o, it[i].text);
        json_key(o, "countries", 0);
        json_list(o, &it[i].countries);
        put_char(o, '}');
    }
    put_char(o, ']');
}

void gen_write_ndjson(struct gen_out *o, const struct gen_profile *p)
{
    make_room(o, OUT_ROOM);
    put_char(o, '{');
    json_key(o, "id", 1);
    json_str(o, p->id);
    json_key(o, "kind", 0);
    json_str(o, p->kind);
    json_key(o, "name", 0);
    json_str(o, p->name);
    json_key(o, "country", 0);
    json_str(o, p->country);
    json_key(o, "region", 0);
    json_str(o, p->region);
    if (p->zone) {
        json_key(o, "zone", 0);
        json_str(o, p->zone);
    }
    json_key(o, "languages", 0);
    json_list(o, &p->languages);
    json_key(o, "employees", 0);
    put_int(o, p->employees);
    json_key(o, "founded", 0);
    put_int(o, p->founded);
    json_key(o, "sectors", 0);
    json_list(o, &p->sectors);
    json_key(o, "description", 0);
    json_str(o, p->description);
    json_key(o, "offers", 0);
    json_items(o, p->offers, p->n_offers);
    json_key(o, "needs", 0);
    json_items(o, p->needs, p->n_needs);
    json_key(o, "contact", 0);
    put_char(o, '{');
    json_key(o, "person", 1);
    json_str(o, p->person);
    json_key(o, "email", 0);
    json_str(o, p->email);
    json_key(o, "phone", 0);
    json_str(o, p->phone);
    gen_out_put(o, "}}\n", 3);
}

/* ---- CSV ---- */

static const char *const csv_base[] = {
    "id", "kind", "name", "country", "region", "zone", "languages", "employees", "founded",
    "sectors", "description", "contact_person", "contact_email", "contact_phone",
};
static const char *const csv_item[] = {"type", "sectors", "keywords", "text", "countries"};

/* A cell, quoted (RFC 4180) when it holds a comma, a quote or a line break. */
static void csv_cell(struct gen_out *o, const char *s, int first)
{
    if (!first)
        put_char(o, ',');
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        gen_out_puts(o, s);
        return;
    }
    put_char(o, '"');
    for (; *s; s++) {
        if (*s == '"')
            put_char(o, '"');
        put_char(o, *s);
    }
    put_char(o, '"');
}

/* A list cell: items joined by ';' (no item contains ';'). */
static void csv_list(struct gen_out *o, const struct gen_list *l)
{
    char tmp[4096];
    size_t n = 0;
    for (unsigned i = 0; i < l->n; i++) {
        size_t k = strlen(l->v[i]);
        if (n + k + 2 > sizeof(tmp))
            break;
        if (i)
            tmp[n++] = ';';
        memcpy(tmp + n, l->v[i], k);
        n += k;
    }
    tmp[n] = '\0';
    csv_cell(o, n ? tmp : NULL, 0);
}

static void csv_int(struct gen_out *o, long v)
{
    put_char(o, ',');
    put_int(o, v);
}

void gen_write_csv_header(struct gen_out *o)
{
    for (size_t i = 0; i < SM_ARRAY_SIZE(csv_base); i++) {
        if (i)
            put_char(o, ',');
        gen_out_puts(o, csv_base[i]);
    }
    for (int need = 0; need < 2; need++)
        for (int k = 1; k <= GEN_ITEMS_MAX; k++)
            for (size_t i = 0; i < SM_ARRAY_SIZE(csv_item); i++) {
                put_char(o, ',');
                gen_out_puts(o, need ? "need" : "offer");
                put_int(o, k);
                put_char(o, '_');
                gen_out_puts(o, csv_item[i]);
            }
    put_char(o, '\n');
}

static void csv_items(struct gen_out *o, const struct gen_item *it, unsigned n)
{
    for (unsigned k = 0; k < GEN_ITEMS_MAX; k++) {
        if (k >= n) {
            gen_out_put(o, ",,,,,", 5);
            continue;
        }
        csv_cell(o, it[k].type, 0);
        csv_list(o, &it[k].sectors);
        csv_list(o, &it[k].keywords);
        csv_cell(o, it[k].text, 0);
        csv_list(o, &it[k].countries);
    }
}

void gen_write_csv(struct gen_out *o, const struct gen_profile *p)
{
    make_room(o, OUT_ROOM);
    csv_cell(o, p->id, 1);
    csv_cell(o, p->kind, 0);
    csv_cell(o, p->name, 0);
    csv_cell(o, p->country, 0);
    csv_cell(o, p->region, 0);
    csv_cell(o, p->zone, 0);
    csv_list(o, &p->languages);
    csv_int(o, p->employees);
    csv_int(o, p->founded);
    csv_list(o, &p->sectors);
    csv_cell(o, p->description, 0);
    csv_cell(o, p->person, 0);
    csv_cell(o, p->email, 0);
    csv_cell(o, p->phone, 0);
    csv_items(o, p->offers, p->n_offers);
    csv_items(o, p->needs, p->n_needs);
    put_char(o, '\n');
}

/* ---- truth ---- */

void gen_write_truth_header(struct gen_out *o)
{
    gen_out_puts(o, "query_id\tpartner_id\trelevance\n");
}

void gen_write_truth(struct gen_out *o, const char *query_id, const char *partner_id,
                     int relevance)
{
    gen_out_puts(o, query_id);
    put_char(o, '\t');
    gen_out_puts(o, partner_id);
    put_char(o, '\t');
    put_int(o, relevance);
    put_char(o, '\n');
}

void gen_write_roles_header(struct gen_out *o)
{
    gen_out_puts(o, "id\trole\tquery_id\n");
}

void gen_write_role(struct gen_out *o, const char *id, const char *role, const char *query_id)
{
    gen_out_puts(o, id);
    put_char(o, '\t');
    gen_out_puts(o, role);
    put_char(o, '\t');
    if (query_id)
        gen_out_puts(o, query_id);
    put_char(o, '\n');
}
