/*
 * cmd_match.c - `smematch leads ID` (ranked leads of a profile with their top reason) and
 * `smematch search TEXT` (free-text search), as readable tables or raw JSON (--json).
 */
#include "cmd.h"
#include "httpc.h"
#include "sm.h"

#include <jansson.h>

static void print_raw(const struct httpc_response *res)
{
    json_t *root = json_loadb(res->body, res->body_len, 0, NULL);

    if (!root) {
        fwrite(res->body, 1, res->body_len, stdout);
        return;
    }
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Print at most width display columns of s (UTF-8: counts code points, a rough width). */
static void put_cut(const char *s, int width)
{
    int cols = 0;
    const char *p = s;

    while (*p && cols < width) {
        const char *q = p + 1;
        while ((*q & 0xC0) == 0x80)
            q++;
        /* CJK and other wide characters take two columns. */
        cols += ((unsigned char)*p >= 0xE3 && (unsigned char)*p <= 0xED) ? 2 : 1;
        if (cols > width)
            break;
        p = q;
    }
    fwrite(s, 1, (size_t)(p - s), stdout);
    for (; cols < width; cols++)
        fputc(' ', stdout);
}

/* "A.needs[0] -> B.offers[1], sector G4649 (class), terms: school, stationeri". */
static void print_reason(const json_t *r)
{
    const json_t *sectors = json_object_get(r, "sectors"), *terms = json_object_get(r, "terms");
    size_t i;
    json_t *v;

    printf("%s -> %s", jstr(r, "need"), jstr(r, "offer"));
    if (json_array_size(sectors)) {
        const json_t *s0 = json_array_get(sectors, 0);
        printf(", sector %s/%s (%s)", jstr(s0, "a"), jstr(s0, "b"), jstr(s0, "level"));
    }
    if (json_array_size(terms)) {
        printf(", terms:");
        json_array_foreach(terms, i, v)
        {
            if (i == 4)
                break;
            printf("%s %s", i ? "," : "", json_string_value(v));
        }
    }
}

static int print_leads(const struct httpc_response *res)
{
    json_t *root = json_loadb(res->body, res->body_len, 0, NULL), *leads, *l;
    size_t i;

    leads = json_object_get(root, "leads");
    if (!json_is_array(leads)) {
        json_decref(root);
        fprintf(stderr, "smematch: the gateway sent no leads\n");
        return 1;
    }
    if (json_array_size(leads) == 0)
        printf("no leads for %s\n", jstr(root, "id"));
    else
        printf("  #  score  rec  %-26s %-30s kind    cc type                 top reason\n", "id",
               "name");
    json_array_foreach(leads, i, l)
    {
        const json_t *reasons = json_object_get(l, "reasons");

        printf("%3zu  %.3f  %s  ",
               i + 1 + (size_t)json_integer_value(json_object_get(root, "offset")),
               json_real_value(json_object_get(l, "score")),
               json_is_true(json_object_get(l, "reciprocal")) ? "yes" : " no");
        put_cut(jstr(l, "id"), 26);
        fputc(' ', stdout);
        put_cut(jstr(l, "name"), 30);
        printf(" %-7s %-2s %-20s ", jstr(l, "kind"), jstr(l, "country"), jstr(l, "type"));
        if (json_array_size(reasons))
            print_reason(json_array_get(reasons, 0));
        fputc('\n', stdout);
    }
    json_decref(root);
    return 0;
}

static int print_hits(const struct httpc_response *res)
{
    json_t *root = json_loadb(res->body, res->body_len, 0, NULL), *hits, *h, *t;
    size_t i, j;

    hits = json_object_get(root, "results");
    if (!json_is_array(hits)) {
        json_decref(root);
        fprintf(stderr, "smematch: the gateway sent no results\n");
        return 1;
    }
    if (json_array_size(hits) == 0)
        printf("no results\n");
    else
        printf("  #   score  %-26s %-30s kind    cc matched terms\n", "id", "name");
    json_array_foreach(hits, i, h)
    {
        printf("%3zu %7.3f  ", i + 1 + (size_t)json_integer_value(json_object_get(root, "offset")),
               json_real_value(json_object_get(h, "score")));
        put_cut(jstr(h, "id"), 26);
        fputc(' ', stdout);
        put_cut(jstr(h, "name"), 30);
        printf(" %-7s %-2s ", jstr(h, "kind"), jstr(h, "country"));
        json_array_foreach(json_object_get(h, "terms"), j, t)
        {
            printf("%s%s", j ? ", " : "", json_string_value(t));
        }
        fputc('\n', stdout);
    }
    json_decref(root);
    return 0;
}

/* Append "&name=escaped(value)" to q. */
static int add_param(char *q, size_t qsz, const char *name, const char *value)
{
    char *e = httpc_escape(value);
    size_t n = strlen(q);
    int w;

    if (!e)
        return -1;
    w = snprintf(q + n, qsz - n, "%s%s=%s", n ? "&" : "", name, e);
    free(e);
    return w < 0 || (size_t)w >= qsz - n ? -1 : 0;
}

int cmd_leads(int argc, char **argv, const struct cli_opts *o)
{
    static const char *const opts[] = {"--limit", "--offset", "--type", "--kind",      "--country",
                                       "--zone",  "--sector", "--lang", "--min-score", NULL};
    struct httpc *h = NULL;
    struct httpc_response res = {0};
    char path[4096], query[2048] = "", *id = NULL;
    const char *pid = NULL;
    bool json = false;
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        const char *const *p;

        if (strcmp(argv[i], "--json") == 0) {
            json = true;
            continue;
        }
        for (p = opts; *p && strcmp(argv[i], *p) != 0; p++)
            ;
        if (*p && i + 1 < argc) {
            /* "--min-score" -> "min_score", "--limit" -> "limit" */
            char name[32];
            sm_strlcpy(name, *p + 2, sizeof(name));
            for (char *c = name; *c; c++)
                if (*c == '-')
                    *c = '_';
            if (add_param(query, sizeof(query), name, argv[++i]))
                goto usage;
            continue;
        }
        if (argv[i][0] == '-' || pid)
            goto usage;
        pid = argv[i];
    }
    if (!pid)
        goto usage;
    id = httpc_escape(pid);
    if (!id || httpc_new(&h, o->url, o->key))
        goto out;
    snprintf(path, sizeof(path), "/v1/profiles/%s/leads%s%s", id, query[0] ? "?" : "", query);
    if (httpc_request(h, "GET", path, NULL, NULL, 0, NULL, &res) || res.status != 200) {
        rc = httpc_report_error(pid, &res);
        goto out;
    }
    if (json) {
        print_raw(&res);
        rc = 0;
    } else {
        rc = print_leads(&res);
    }
out:
    httpc_response_release(&res);
    httpc_destroy(&h);
    free(id);
    return rc;
usage:
    fprintf(stderr, "usage: smematch leads ID [--limit N] [--offset N] [--type T] [--kind K] "
                    "[--country CC] [--zone Z] [--sector S] [--lang L] [--min-score X] [--json]\n");
    return 2;
}

int cmd_search(int argc, char **argv, const struct cli_opts *o)
{
    struct httpc *h = NULL;
    struct httpc_response res = {0};
    json_t *body = json_object(), *filters = json_object();
    const char *text = NULL;
    char *payload = NULL;
    bool json = false;
    long limit = 10;
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        char *end;

        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            limit = strtol(argv[++i], &end, 10);
            if (*end || limit < 1)
                goto usage;
        } else if ((strcmp(argv[i], "--type") == 0 || strcmp(argv[i], "--country") == 0 ||
                    strcmp(argv[i], "--kind") == 0) &&
                   i + 1 < argc) {
            json_object_set_new(filters, argv[i] + 2, json_string(argv[i + 1]));
            i++;
        } else if (argv[i][0] == '-' || text) {
            goto usage;
        } else {
            text = argv[i];
        }
    }
    if (!text)
        goto usage;
    json_object_set_new(body, "text", json_string(text));
    json_object_set_new(body, "limit", json_integer(limit));
    if (json_object_size(filters))
        json_object_set(body, "filters", filters);
    payload = json_dumps(body, JSON_COMPACT);
    if (!payload || httpc_new(&h, o->url, o->key))
        goto out;
    if (httpc_request(h, "POST", "/v1/search", "application/json", payload, strlen(payload), NULL,
                      &res) ||
        res.status != 200) {
        rc = httpc_report_error("search", &res);
        goto out;
    }
    if (json) {
        print_raw(&res);
        rc = 0;
    } else {
        rc = print_hits(&res);
    }
    goto out;
usage:
    fprintf(stderr, "usage: smematch search TEXT [--limit N] [--type T] [--kind K] "
                    "[--country CC] [--json]\n");
    rc = 2;
out:
    httpc_response_release(&res);
    httpc_destroy(&h);
    free(payload);
    json_decref(filters);
    json_decref(body);
    return rc;
}
