/* err.c - error names, texts and HTTP statuses; see err.h. */
#include "sm.h"
#include "err.h"

struct err_info {
    int code;
    const char *name;
    const char *text;
    int http;
};

static const struct err_info errs[] = {
    {SM_EINVAL, "invalid_field", "invalid field", 400},
    {SM_EBADREQ, "invalid_request", "malformed request", 400},
    {SM_ENOTFOUND, "not_found", "not found", 404},
    {SM_ECONFLICT, "conflict", "conflict", 409},
    {SM_ETOOLARGE, "too_large", "too large", 413},
    {SM_EUNAVAIL, "unavailable", "engine unavailable", 503},
    {SM_ETIMEOUT, "timeout", "engine did not answer in time", 504},
    {SM_EINTERNAL, "internal", "internal error", 500},
    {SM_ESTORE, "storage", "storage error", 500},
    {SM_EUNKNOWNOP, "unknown_op", "unknown operation", 400},
    {SM_EMETHOD, "method_not_allowed", "method not allowed", 405},
    {SM_EUNAUTH, "unauthorized", "missing or invalid API key", 401},
    {SM_EFORBIDDEN, "forbidden", "not allowed for this key", 403},
    {SM_ERATELIMIT, "rate_limited", "too many requests", 429},
    {SM_ENOMEM, "out_of_memory", "out of memory", 503},
};

static const struct err_info *find(int code)
{
    for (size_t i = 0; i < SM_ARRAY_SIZE(errs); i++)
        if (errs[i].code == code)
            return &errs[i];
    return NULL;
}

const char *sm_strerror(int err)
{
    const struct err_info *e;

    if (err == 0)
        return "success";
    e = find(err);
    if (e)
        return e->text;
    if (err < 0 && err > -4096)
        return strerror(-err);
    return "unknown error";
}

const char *sm_err_name(int err)
{
    const struct err_info *e = find(err);
    if (e)
        return e->name;
    if (err == -ENOMEM)
        return "out_of_memory";
    return "internal";
}

int sm_err_from_name(const char *name, size_t len)
{
    for (size_t i = 0; i < SM_ARRAY_SIZE(errs); i++)
        if (strlen(errs[i].name) == len && memcmp(errs[i].name, name, len) == 0)
            return errs[i].code;
    return SM_EINTERNAL;
}

int sm_err_http_status(int err)
{
    const struct err_info *e = find(err);
    if (e)
        return e->http;
    if (err == -ENOMEM)
        return 503;
    return 500;
}

int sm_error_set(struct sm_error *e, int code, const char *field, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return code;
    e->code = code;
    sm_strlcpy(e->field, field ? field : "", sizeof(e->field));
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return code;
}

void sm_error_clear(struct sm_error *e)
{
    if (!e)
        return;
    e->code = 0;
    e->field[0] = '\0';
    e->message[0] = '\0';
}
