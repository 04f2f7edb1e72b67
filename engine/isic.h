/*
 * isic.h - ISIC Rev.4 sections and divisions, shipped as data (isic_table.c), and sector code
 * validation and similarity by hierarchy level.
 *
 * A code is a section letter followed by up to 4 digits: "C" (section), "C32" (division),
 * "C329" (group), "C3290" (class). The digits must belong to the section (division 32 is in
 * section C). Groups and classes are checked for form only (the table stops at divisions).
 */
#ifndef SM_ISIC_H
#define SM_ISIC_H

#include <stdbool.h>
#include <stddef.h>

enum isic_level { ISIC_NONE = 0, ISIC_SECTION = 1, ISIC_DIVISION = 2, ISIC_GROUP = 3, ISIC_CLASS = 4 };

struct isic_entry {
    const char *code; /* "C" or "C32" */
    const char *name;
};

/* The whole table: sections and divisions in code order. */
extern const struct isic_entry isic_table[];
extern const size_t isic_table_len;

/* True if code (n bytes) is a valid ISIC code as above. */
bool isic_valid(const char *code, size_t n);
/* Name of the section or division of a code ("C3290" -> division 32's name), NULL if invalid. */
const char *isic_name(const char *code);
/* Deepest level at which two valid codes agree: ISIC_NONE (different sections) .. ISIC_CLASS. */
enum isic_level isic_common_level(const char *a, const char *b);
const char *isic_level_name(enum isic_level l); /* "none", "section", ... */
/* Level of one code by its length: "C" section .. "C3290" class; ISIC_NONE if invalid. */
enum isic_level isic_level_of(const char *code, size_t n);

#endif
