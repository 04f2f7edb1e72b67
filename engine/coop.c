/*
 * coop.c - names of the cooperation types and profile kinds (profile.h), in one place for the
 * profile validator and the scorer. Built into the match library (engine/match/meson.build),
 * which the engine core links, because the match library is built first.
 */
#include "sm.h"
#include "profile.h"

static const char *const coop_names[COOP__COUNT] = {
    "outsourcing",  "joint_venture", "technology_transfer",
    "distribution", "franchise",     "investment",
    "rnd",          "services",
};

static const char *const kind_names[KIND__COUNT] = {"sme", "large", "foreign", "service"};

static int find(const char *const *names, int count, const char *s, size_t n)
{
    for (int i = 0; i < count; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return i;
    return -1;
}

const char *coop_type_name(enum coop_type t)
{
    return (unsigned)t < COOP__COUNT ? coop_names[t] : NULL;
}

int coop_type_parse(const char *s, size_t n)
{
    return find(coop_names, COOP__COUNT, s, n);
}

const char *profile_kind_name(enum profile_kind k)
{
    return (unsigned)k < KIND__COUNT ? kind_names[k] : NULL;
}

int profile_kind_parse(const char *s, size_t n)
{
    return find(kind_names, KIND__COUNT, s, n);
}

bool coop_type_symmetric(enum coop_type t)
{
    return t == COOP_JOINT_VENTURE || t == COOP_RND;
}
