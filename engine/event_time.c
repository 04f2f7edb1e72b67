/*
 * event_time.c - ISO 8601 times with offsets and time zones for events; see event.h.
 *
 * Zones are either fixed offsets or the transitions of a TZif file (RFC 8536). Only the
 * transition table is read, not the POSIX TZ footer: Debian ships "fat" files whose tables run
 * to 2037, which covers any event the organizer can plan today.
 */
#include "sm.h"

#include "event.h"

#define DAY_MS 86400000LL

/* Days since 1970-01-01 of y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
    int v = 0;

    if (at + count > n)
        return false;
    for (size_t i = at; i < at + count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool date_ok(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    return d <= mdays[m - 1] + (m == 2 && leap(y));
}

bool ev_date_parse(const char *s, size_t n, int64_t *days)
{
    int y, m, d;

    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, n, 0, 4, &y) ||
        !digits(s, n, 5, 2, &m) || !digits(s, n, 8, 2, &d) || !date_ok(y, m, d))
        return false;
    *days = days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

int ev_time_parse(const char *s, size_t n, int64_t *ms, int *off_min)
{
    int64_t days;
    int hh, mm, ss = 0, frac = 0, oh, om;
    size_t i = 16;

    if (n < 17 || s[10] != 'T' || !ev_date_parse(s, 10, &days) || !digits(s, n, 11, 2, &hh) ||
        s[13] != ':' || !digits(s, n, 14, 2, &mm) || hh > 23 || mm > 59)
        return -1;
    if (s[i] == ':') {
        if (!digits(s, n, i + 1, 2, &ss) || ss > 59)
            return -1;
        i += 3;
        if (i < n && s[i] == '.') {
            size_t k = 0;
            i++;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (k < 3)
                    frac = frac * 10 + (s[i] - '0');
                k++;
                i++;
            }
            if (k == 0)
                return -1;
            for (; k < 3; k++)
                frac *= 10;
        }
    }
    if (i >= n)
        return -1;
    if (s[i] == 'Z' && i + 1 == n) {
        *off_min = 0;
    } else if ((s[i] == '+' || s[i] == '-') && i + 6 == n && s[i + 3] == ':' &&
               digits(s, n, i + 1, 2, &oh) && digits(s, n, i + 4, 2, &om) && oh <= 18 && om <= 59) {
        *off_min = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    } else {
        return -1;
    }
    *ms = ((days * 86400 + hh * 3600 + mm * 60 + ss) - (int64_t)*off_min * 60) * 1000 + frac;
    return 0;
}

void ev_time_format(int64_t ms, int off_min, char out[EV_TIME_MAX])
{
    int64_t local = ms + (int64_t)off_min * 60000, days, y, sec;
    unsigned m, d;
    int a = off_min < 0 ? -off_min : off_min;

    days = local >= 0 ? local / DAY_MS : (local - DAY_MS + 1) / DAY_MS;
    sec = (local - days * DAY_MS) / 1000;
    civil_from_days(days, &y, &m, &d);
    char tmp[96];

    snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", (int)y, m, d,
             (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60), off_min < 0 ? '-' : '+',
             a / 60, a % 60);
    sm_strlcpy(out, tmp, EV_TIME_MAX);
}

/* ---- zones ----------------------------------------------------------------------------------- */

struct ev_tz {
    int fixed_min; /* offset of a fixed zone, or before the first transition */
    size_t n;      /* transitions */
    int64_t *at;   /* [n] Unix seconds */
    int *off_min;  /* [n] offset from that transition on */
};

void ev_tz_free(struct ev_tz **tz)
{
    if (!tz || !*tz)
        return;
    free((*tz)->at);
    free((*tz)->off_min);
    free(*tz);
    *tz = NULL;
}

static bool fixed_offset(const char *s, size_t n, int *off)
{
    int oh, om;

    if ((n == 3 && memcmp(s, "UTC", 3) == 0) || (n == 1 && s[0] == 'Z') ||
        (n == 7 && memcmp(s, "Etc/UTC", 7) == 0)) {
        *off = 0;
        return true;
    }
    if (n == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' && digits(s, n, 1, 2, &oh) &&
        digits(s, n, 4, 2, &om) && oh <= 18 && om <= 59) {
        *off = (s[0] == '-' ? -1 : 1) * (oh * 60 + om);
        return true;
    }
    return false;
}

static uint64_t be_get(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Parse a TZif image into tz; false if malformed. */
static bool tzif_parse(const unsigned char *p, size_t len, struct ev_tz *tz)
{
    uint64_t cnt[6], body;
    unsigned tsz = 4;
    size_t pos = 0;

    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return false;
    for (int i = 0; i < 6; i++)
        cnt[i] = be_get(p + 20 + 4 * i, 4);
    if (p[4] >= '2') {
        /* Skip the 32-bit block to the 64-bit one. */
        body = cnt[3] * 5 + cnt[4] * 6 + cnt[5] + cnt[2] * 8 + cnt[1] + cnt[0];
        pos = 44 + body;
        if (pos + 44 > len || memcmp(p + pos, "TZif", 4) != 0)
            return false;
        for (int i = 0; i < 6; i++)
            cnt[i] = be_get(p + pos + 20 + 4 * i, 4);
        pos += 44;
        tsz = 8;
    } else {
        pos = 44;
    }
    /* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
    uint64_t timecnt = cnt[3], typecnt = cnt[4];
    if (typecnt == 0 || typecnt > 256 || timecnt > 100000 ||
        pos + timecnt * (tsz + 1) + typecnt * 6 > len)
        return false;
    const unsigned char *times = p + pos, *idx = times + timecnt * tsz, *types = idx + timecnt;
    tz->fixed_min = (int)(int32_t)be_get(types, 4) / 60;
    tz->n = (size_t)timecnt;
    tz->at = calloc(timecnt ? timecnt : 1, sizeof(*tz->at));
    tz->off_min = calloc(timecnt ? timecnt : 1, sizeof(*tz->off_min));
    if (!tz->at || !tz->off_min)
        return false;
    for (uint64_t i = 0; i < timecnt; i++) {
        uint64_t raw = be_get(times + i * tsz, tsz);
        tz->at[i] = tsz == 8 ? (int64_t)raw : (int64_t)(int32_t)raw;
        if (idx[i] >= typecnt)
            return false;
        tz->off_min[i] = (int)(int32_t)be_get(types + 6 * idx[i], 4) / 60;
    }
    return true;
}

static bool tz_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '/' || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '/' || ch == '_' || ch == '-' || ch == '+'))
            return false;
        if (ch == '/' && i + 1 < n && s[i + 1] == '.')
            return false;
    }
    return true;
}

int ev_tz_load(const char *name, size_t n, struct ev_tz **out)
{
    struct ev_tz *tz = calloc(1, sizeof(*tz));
    const char *dir = getenv("TZDIR");
    unsigned char *img = NULL;
    char path[512];
    size_t len = 0;
    FILE *f = NULL;
    int rc = SM_EINVAL;

    *out = NULL;
    if (!tz)
        return -ENOMEM;
    if (fixed_offset(name, n, &tz->fixed_min)) {
        *out = tz;
        return 0;
    }
    if (!tz_name_ok(name, n))
        goto out;
    snprintf(path, sizeof(path), "%s/%.*s", dir && *dir ? dir : "/usr/share/zoneinfo", (int)n,
             name);
    f = fopen(path, "rb");
    if (!f)
        goto out;
    img = malloc(1 << 20);
    if (!img) {
        rc = -ENOMEM;
        goto out;
    }
    len = fread(img, 1, 1 << 20, f);
    if (!tzif_parse(img, len, tz))
        goto out;
    *out = tz;
    tz = NULL;
    rc = 0;
out:
    if (f)
        fclose(f);
    free(img);
    ev_tz_free(&tz);
    return rc;
}

int ev_tz_offset(const struct ev_tz *tz, int64_t ms)
{
    int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    size_t lo = 0, hi = tz->n;

    if (tz->n == 0 || s < tz->at[0])
        return tz->fixed_min;
    /* Last transition at or before s. */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (tz->at[mid] <= s)
            lo = mid;
        else
            hi = mid;
    }
    return tz->off_min[lo];
}

int64_t ev_tz_to_utc(const struct ev_tz *tz, int64_t local_ms)
{
    int o1 = ev_tz_offset(tz, local_ms), o2;
    int64_t u = local_ms - (int64_t)o1 * 60000;

    /* One correction step settles it except in a gap or an overlap, where either is fine. */
    o2 = ev_tz_offset(tz, u);
    if (o2 != o1)
        u = local_ms - (int64_t)o2 * 60000;
    return u;
}
