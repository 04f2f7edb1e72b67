/*
 * profile.h - the profile model (SPEC §2): decode from msgpack, validate, encode.
 *
 * A profile arrives as a msgpack map (the gateway converts the API's JSON one to one). The
 * engine decodes it into struct profile, validating every field and naming the first bad one
 * ("offers[0].type"), and stores the canonical msgpack re-encoding.
 *
 * Memory: every string and array of a profile lives in one allocation arena owned by the
 * profile (profile_release frees it all). Strings are NUL-terminated UTF-8 (validated).
 * Pure logic: no I/O, no globals other than constant tables; safe to use from any thread.
 */
#ifndef SM_PROFILE_H
#define SM_PROFILE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* Limits of SPEC §2: defaults, overridable per engine (struct profile_limits). */
#define PROFILE_ID_MAX 128        /* bytes; [A-Za-z0-9._:-] */
#define PROFILE_TEXT_MAX 8192     /* bytes per free text */
#define PROFILE_LIST_MAX 64       /* items per list */
#define PROFILE_NAME_MAX 512      /* bytes: name, region, zone, keyword, contact fields */

enum coop_type {
    COOP_OUTSOURCING = 0,
    COOP_JOINT_VENTURE,
    COOP_TECHNOLOGY_TRANSFER,
    COOP_DISTRIBUTION,
    COOP_FRANCHISE,
    COOP_INVESTMENT,
    COOP_RND,
    COOP_SERVICES,
    COOP__COUNT
};

enum profile_kind { KIND_SME = 0, KIND_LARGE, KIND_FOREIGN, KIND_SERVICE, KIND__COUNT };

struct strlist {
    char **v;   /* n strings, arena-owned */
    uint32_t n;
};

/* One offer or need. */
struct coop_item {
    enum coop_type type;
    struct strlist sectors;   /* ISIC codes, validated: "C", "C32", "C329", "C3290" */
    struct strlist keywords;
    struct strlist countries; /* ISO 3166-1 alpha-2, upper case */
    char *text;               /* may be "" */
};

struct profile_contact {
    char *person, *email, *phone; /* each may be NULL */
};

struct profile {
    char *id;
    enum profile_kind kind;
    char *name;
    char *country;            /* ISO 3166-1 alpha-2, upper case */
    char *region, *zone;      /* may be NULL */
    struct strlist languages; /* ISO 639-1, lower case */
    int64_t employees;        /* -1 when absent */
    int64_t founded;          /* -1 when absent */
    struct strlist sectors;
    char *description;        /* may be NULL */
    struct coop_item *offers;
    uint32_t n_offers;
    struct coop_item *needs;
    uint32_t n_needs;
    struct profile_contact contact; /* private (SPEC §6) */
    int64_t created_ms, updated_ms;  /* set by the store; 0 when not stored yet */

    void *arena; /* private: owns all of the above */
};

struct profile_limits {
    uint32_t text_max; /* bytes per free text */
    uint32_t list_max; /* items per list */
};
extern const struct profile_limits profile_default_limits;

/* Zero a profile so profile_release is safe on it. */
void profile_init(struct profile *p);
/* Free everything the profile owns and zero it. Safe on an initialised or released profile. */
void profile_release(struct profile *p);

/*
 * Decode and validate a profile from a msgpack map. On failure returns SM_EINVAL (or
 * SM_EBADREQ if obj is not a map, -ENOMEM) with e naming the field, and p is released.
 * Unknown fields are rejected. "created_ms"/"updated_ms" are accepted only when
 * allow_stamps is set (when the store decodes its own records).
 */
int profile_decode(const msgpack_object *obj, const struct profile_limits *lim, bool allow_stamps,
                   struct profile *p, struct sm_error *e);

/*
 * Like profile_decode (allow_stamps false) for a profile addressed by id, as profile.put is:
 * the map's "id", if present, must equal id (else SM_EINVAL naming "id"); if absent, id is used.
 */
int profile_decode_with_id(const msgpack_object *obj, const struct profile_limits *lim,
                           const char *id, size_t id_len, struct profile *p, struct sm_error *e);

/*
 * Encode the canonical msgpack map of p (fields in a fixed order, absent optional fields
 * omitted). with_contact=false leaves "contact" out (the public view).
 */
int profile_encode(const struct profile *p, bool with_contact, msgpack_packer *pk);

/* Names of enums as on the wire ("outsourcing", "sme"); NULL for out-of-range. */
const char *coop_type_name(enum coop_type t);
int coop_type_parse(const char *s, size_t n); /* -1 if unknown */
const char *profile_kind_name(enum profile_kind k);
int profile_kind_parse(const char *s, size_t n); /* -1 if unknown */
/* joint_venture and rnd: a need also matches a need of the same type. */
bool coop_type_symmetric(enum coop_type t);

/* Check an id: 1..PROFILE_ID_MAX bytes of [A-Za-z0-9._:-]. */
bool profile_id_valid(const char *s, size_t n);

#endif
