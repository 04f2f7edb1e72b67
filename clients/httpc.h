/*
 * httpc.h - the CLI's HTTP client for the gateway's JSON API (libcurl, one reused handle so
 * keep-alive holds across requests).
 *
 * Not thread-safe: one struct httpc per thread.
 */
#ifndef SM_HTTPC_H
#define SM_HTTPC_H

#include <stddef.h>

struct httpc;

struct httpc_response {
    long status;      /* HTTP status, 0 if no response */
    char *body;       /* NUL-terminated, caller frees with httpc_response_release */
    size_t body_len;
    char error[256];  /* transport error text when status is 0 */
};

/* base_url like "http://127.0.0.1:8080"; key may be NULL (sent as a Bearer token). */
int httpc_new(struct httpc **out, const char *base_url, const char *key);
void httpc_destroy(struct httpc **c);

/* Timeout for each request in milliseconds (default 120 s: an import batch can take a while). */
void httpc_set_timeout(struct httpc *c, long ms);

/*
 * Send method path (e.g. "/v1/profiles/x") with an optional body and content type, and an
 * optional Accept header. Returns 0 when a response arrived (any status), or a negative code
 * with res->error set for transport failures (connection refused, timeout).
 */
int httpc_request(struct httpc *c, const char *method, const char *path, const char *ctype,
                  const char *body, size_t body_len, const char *accept,
                  struct httpc_response *res);
void httpc_response_release(struct httpc_response *res);

/*
 * Print the JSON error of a non-2xx response to stderr as "smematch: <message> (field F)", or
 * the raw body when it is not our JSON error shape. Returns the process exit code to use (1).
 */
int httpc_report_error(const char *what, const struct httpc_response *res);

/* Percent-encode s into a malloc'd string for use in a URL path segment or query value. */
char *httpc_escape(const char *s);

#endif
