/* httpc.c - see httpc.h. */
#include "sm.h"
#include "err.h"
#include "httpc.h"

#include <curl/curl.h>
#include <jansson.h>

struct httpc {
    CURL *curl;
    char *base;
    char *auth; /* "Authorization: Bearer ..." or NULL */
    long timeout_ms;
};

struct sink {
    char *buf;
    size_t len, cap;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;

    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        char *p;
        while (cap < s->len + n + 1)
            cap *= 2;
        p = realloc(s->buf, cap);
        if (!p)
            return 0; /* makes curl fail with CURLE_WRITE_ERROR */
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, ptr, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

int httpc_new(struct httpc **out, const char *base_url, const char *key)
{
    struct httpc *c = calloc(1, sizeof(*c));
    size_t n;

    if (!c)
        return -ENOMEM;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    c->curl = curl_easy_init();
    c->base = strdup(base_url);
    if (!c->curl || !c->base)
        goto fail;
    n = strlen(c->base);
    while (n > 0 && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    if (key && *key) {
        size_t len = strlen(key) + 32;
        c->auth = malloc(len);
        if (!c->auth)
            goto fail;
        snprintf(c->auth, len, "Authorization: Bearer %s", key);
    }
    c->timeout_ms = 120000;
    *out = c;
    return 0;
fail:
    httpc_destroy(&c);
    return -ENOMEM;
}

void httpc_destroy(struct httpc **pc)
{
    struct httpc *c = *pc;

    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c->base);
    free(c->auth);
    free(c);
    *pc = NULL;
}

void httpc_set_timeout(struct httpc *c, long ms)
{
    c->timeout_ms = ms;
}

int httpc_request(struct httpc *c, const char *method, const char *path, const char *ctype,
                  const char *body, size_t body_len, const char *accept,
                  struct httpc_response *res)
{
    struct curl_slist *hdrs = NULL;
    struct sink sink = {0};
    char url[4096], hdr[256];
    CURLcode cc;
    int rc = 0;

    memset(res, 0, sizeof(*res));
    snprintf(url, sizeof(url), "%s%s", c->base, path);
    curl_easy_reset(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    if (ctype) {
        snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
        hdrs = curl_slist_append(hdrs, hdr);
    }
    if (accept) {
        snprintf(hdr, sizeof(hdr), "Accept: %s", accept);
        hdrs = curl_slist_append(hdrs, hdr);
    }
    if (c->auth)
        hdrs = curl_slist_append(hdrs, c->auth);
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip on big bodies */
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);

    cc = curl_easy_perform(c->curl);
    if (cc != CURLE_OK) {
        snprintf(res->error, sizeof(res->error), "%.160s: %s", url, curl_easy_strerror(cc));
        rc = cc == CURLE_OPERATION_TIMEDOUT ? SM_ETIMEOUT : SM_EUNAVAIL;
        free(sink.buf);
        goto out;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &res->status);
    res->body = sink.buf ? sink.buf : strdup("");
    res->body_len = sink.len;
    if (!res->body)
        rc = -ENOMEM;
out:
    curl_slist_free_all(hdrs);
    return rc;
}

void httpc_response_release(struct httpc_response *res)
{
    free(res->body);
    res->body = NULL;
    res->body_len = 0;
}

int httpc_report_error(const char *what, const struct httpc_response *res)
{
    json_t *root, *err;
    const char *msg = NULL, *field = NULL;

    if (res->status == 0) {
        fprintf(stderr, "smematch: %s: %s\n", what, res->error);
        return 1;
    }
    root = json_loadb(res->body ? res->body : "", res->body_len, 0, NULL);
    err = root ? json_object_get(root, "error") : NULL;
    if (err) {
        msg = json_string_value(json_object_get(err, "message"));
        field = json_string_value(json_object_get(err, "field"));
    }
    if (msg && field && *field)
        fprintf(stderr, "smematch: %s: %s (field %s, HTTP %ld)\n", what, msg, field, res->status);
    else if (msg)
        fprintf(stderr, "smematch: %s: %s (HTTP %ld)\n", what, msg, res->status);
    else
        fprintf(stderr, "smematch: %s: HTTP %ld %.*s\n", what, res->status,
                (int)SM_MIN(res->body_len, 500), res->body ? res->body : "");
    json_decref(root);
    return 1;
}

char *httpc_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1), *o = out;

    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}
