/*
 * iso.h - ISO 3166-1 alpha-2 (countries) and ISO 639-1 (languages) code tables (iso.c).
 *
 * Codes are case-sensitive here: countries upper case ("CN"), languages lower case ("zh");
 * callers normalise case first. Constant data: safe from any thread.
 */
#ifndef SM_ISO_H
#define SM_ISO_H

#include <stdbool.h>
#include <stddef.h>

struct iso_entry {
    const char code[3];
    const char *name; /* English short name */
};

/* Sorted by code. */
extern const struct iso_entry iso_countries[];
extern const size_t iso_countries_len;
extern const struct iso_entry iso_languages[];
extern const size_t iso_languages_len;

/* True if code (len bytes) is an assigned ISO 3166-1 alpha-2 code, upper case. */
bool iso_country_valid(const char *code, size_t len);
/* True if code (len bytes) is an ISO 639-1 code, lower case. */
bool iso_language_valid(const char *code, size_t len);
/* English names; NULL for an unknown code. */
const char *iso_country_name(const char *code);
const char *iso_language_name(const char *code);

#endif
