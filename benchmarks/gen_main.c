/*
 * gen_main.c - smematch-gen: write N deterministic profiles (NDJSON or CSV) and their planted
 * ground truth (TSV). See docs/generator.md.
 */
#include "sm.h"

#include <getopt.h>
#include <unistd.h>

#include "gen.h"
#include "gen_run.h"

static void usage(FILE *f)
{
    fputs("usage: smematch-gen --count N [--seed S] [--start K] [--preset general|expo]\n"
          "                    [--format ndjson|csv] [--out FILE] [--truth FILE]\n"
          "                    [--roles FILE] [--threads T] [--quiet]\n"
          "Writes profiles K..K+N-1 of the run seeded by S (default 1), one JSON object a line\n"
          "(ndjson, default) or as CSV, to FILE or standard output; --truth writes the planted\n"
          "complementary pairs among them as TSV (query_id, partner_id, relevance 2|1).\n"
          "--roles writes each profile's role (query, partner, decoy, noise, plain) as TSV.\n"
          "The output depends only on S, the preset and the indices, never on T.\n",
          f);
}

/* Parse a whole unsigned decimal number; -1 if s is not one. */
static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static FILE *open_out(const char *path, const char *what)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "smematch-gen: cannot write %s %s: %s\n", what, path, strerror(errno));
    return f;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},   {"count", required_argument, NULL, 'n'},
        {"start", required_argument, NULL, 'k'},  {"preset", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'f'}, {"out", required_argument, NULL, 'o'},
        {"truth", required_argument, NULL, 't'},  {"quiet", no_argument, NULL, 'q'},
        {"threads", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {"roles", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    uint64_t seed = 1, count = 0, start = 0, threads = 0;
    int have_count = 0, csv = 0, quiet = 0, preset = GEN_PRESET_GENERAL, c;
    const char *out_path = NULL, *truth_path = NULL, *roles_path = NULL;
    FILE *of = stdout, *tf = NULL, *rf = NULL;
    int rc = 1, err;

    while ((c = getopt_long(argc, argv, "s:n:k:p:f:o:t:r:j:qhV", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (parse_u64(optarg, &seed) < 0) {
                fprintf(stderr, "smematch-gen: --seed: expected an unsigned integer, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'n':
            if (parse_u64(optarg, &count) < 0 || count > UINT64_MAX / 2) {
                fprintf(stderr, "smematch-gen: --count: expected an unsigned integer, got '%s'\n", optarg);
                return 2;
            }
            have_count = 1;
            break;
        case 'k':
            if (parse_u64(optarg, &start) < 0 || start > UINT64_MAX / 2) {
                fprintf(stderr, "smematch-gen: --start: expected an unsigned integer, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'p':
            preset = gen_preset_parse(optarg);
            if (preset < 0) {
                fprintf(stderr, "smematch-gen: --preset: expected general or expo, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'f':
            if (strcmp(optarg, "csv") == 0) {
                csv = 1;
            } else if (strcmp(optarg, "ndjson") == 0) {
                csv = 0;
            } else {
                fprintf(stderr, "smematch-gen: --format: expected ndjson or csv, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'j':
            if (parse_u64(optarg, &threads) < 0 || threads < 1 || threads > 64) {
                fprintf(stderr, "smematch-gen: --threads: expected 1 to 64, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'o': out_path = optarg; break;
        case 't': truth_path = optarg; break;
        case 'r': roles_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': puts("smematch-gen " SM_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || !have_count) {
        fputs(optind < argc ? "smematch-gen: unexpected argument\n"
                            : "smematch-gen: --count is required\n", stderr);
        usage(stderr);
        return 2;
    }

    if (out_path && !(of = open_out(out_path, "profiles to")))
        goto out;
    if (truth_path && !(tf = open_out(truth_path, "truth to")))
        goto out;
    if (roles_path && !(rf = open_out(roles_path, "roles to")))
        goto out;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 1 ? 1 : n > 8 ? 8 : (uint64_t)n;
    }
    struct gen_run_opts ro = {
        .seed = seed, .start = start, .count = count, .preset = (enum gen_preset)preset,
        .csv = csv, .out = of, .truth = tf, .roles = rf, .threads = (unsigned)threads, .progress = !quiet,
    };
    err = gen_run(&ro);
    if (err) {
        fprintf(stderr, "smematch-gen: %s\n", strerror(-err));
        goto out;
    }
    rc = 0;
out:
    if (rf && fclose(rf) != 0 && rc == 0) {
        fprintf(stderr, "smematch-gen: cannot write roles: %s\n", strerror(errno));
        rc = 1;
    }
    if (tf && fclose(tf) != 0 && rc == 0) {
        fprintf(stderr, "smematch-gen: cannot write truth: %s\n", strerror(errno));
        rc = 1;
    }
    if (of && of != stdout && fclose(of) != 0 && rc == 0) {
        fprintf(stderr, "smematch-gen: cannot write profiles: %s\n", strerror(errno));
        rc = 1;
    }
    if (of == stdout && fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "smematch-gen: cannot write profiles: %s\n", strerror(errno));
        rc = 1;
    }
    return rc;
}
