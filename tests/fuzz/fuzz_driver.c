/*
 * fuzz_driver.c - runs a libFuzzer target without libFuzzer, for CI: every seed file of a
 * corpus folder, then N inputs made by mutating the seeds (deterministic: seeded PRNG), so the
 * decoders meet hostile bytes under ASan/UBSan in every `meson test` run.
 *
 * usage: fuzz_proto_run CORPUS_DIR [N [SEED]]
 */
#include "sm.h"

#include <dirent.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seed {
    uint8_t *data;
    size_t size;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64*: reproducible across runs and machines */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static int load(const char *path, struct seed *s)
{
    FILE *f = fopen(path, "rb");
    long n;

    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s->data = malloc(n > 0 ? (size_t)n : 1);
    s->size = n > 0 && fread(s->data, 1, (size_t)n, f) == (size_t)n ? (size_t)n : 0;
    fclose(f);
    return 0;
}

/* Bytes that steer msgpack decoders into their interesting corners. */
static const uint8_t magic[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
                                0xc2, 0xc3, 0xc4, 0xc7, 0xca, 0xcb, 0xcf, 0xd3, 0xd4, 0xd8,
                                0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff};

/*
 * Most mutations keep the length of the input, so the result is often still well-formed msgpack
 * with one odd value deep inside (a byte of a string, a type tag, a count): that is what reaches
 * the validators. Length-changing ones are rarer, since nearly all of them stop at the codec.
 */
static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
    uint64_t r0 = rnd() % 10;
    int rounds = r0 < 5 ? 1 : r0 < 8 ? 2 : 3 + (int)(rnd() % 2);

    for (int r = 0; r < rounds; r++) {
        size_t pos = len ? rnd() % len : 0;
        uint64_t op = rnd() % 100;

        if (op < 30) { /* flip a bit */
            if (len)
                buf[pos] ^= (uint8_t)(1u << (rnd() % 8));
        } else if (op < 45) { /* a magic byte */
            if (len)
                buf[pos] = magic[rnd() % sizeof(magic)];
        } else if (op < 65) { /* a random byte, often printable, sometimes UTF-8 lead bytes */
            if (len)
                buf[pos] = (uint8_t)((rnd() & 1) ? 0x20 + rnd() % 95 : rnd());
        } else if (op < 70) { /* truncate */
            len = pos;
        } else if (op < 80) { /* delete a run */
            if (len) {
                size_t n = 1 + rnd() % 8;
                if (n > len - pos)
                    n = len - pos;
                memmove(buf + pos, buf + pos + n, len - pos - n);
                len -= n;
            }
        } else if (op < 90) { /* insert random bytes */
            if (len < cap) {
                size_t n = 1 + rnd() % 8;
                if (n > cap - len)
                    n = cap - len;
                memmove(buf + pos + n, buf + pos, len - pos);
                for (size_t i = 0; i < n; i++)
                    buf[pos + i] = (uint8_t)rnd();
                len += n;
            }
        } else if (op < 95) { /* a big-endian length of 0xff.. or 0x7f.. */
            for (size_t i = pos; i < len && i < pos + 4; i++)
                buf[i] = (rnd() & 1) ? 0xff : 0x7f;
        } else if (len > 1) { /* copy a chunk over another place */
            size_t from = rnd() % len, n = 1 + rnd() % 16;
            if (n > len - from)
                n = len - from;
            if (n > len - pos)
                n = len - pos;
            memmove(buf + pos, buf + from, n);
        }
    }
    return len;
}

int main(int argc, char **argv)
{
    struct seed *seeds = NULL;
    size_t n_seeds = 0, cap = 0, max = 0;
    long runs = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
    DIR *d;
    struct dirent *de;
    uint8_t *buf;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR [N [SEED]]\n", argv[0]);
        return 2;
    }
    rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) : 0x5eed5eedull;
    if (!rng_state)
        rng_state = 1;
    d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 2;
    }
    while ((de = readdir(d))) {
        char path[4096];

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
        if (n_seeds == cap) {
            cap = cap ? cap * 2 : 64;
            seeds = realloc(seeds, cap * sizeof(*seeds));
        }
        if (load(path, &seeds[n_seeds]) == 0) {
            if (seeds[n_seeds].size > max)
                max = seeds[n_seeds].size;
            n_seeds++;
        }
    }
    closedir(d);
    if (!n_seeds) {
        fprintf(stderr, "%s: no seeds\n", argv[1]);
        return 2;
    }
    for (size_t i = 0; i < n_seeds; i++)
        LLVMFuzzerTestOneInput(seeds[i].data, seeds[i].size);
    max += 64;
    buf = malloc(max);
    for (long i = 0; i < runs; i++) {
        const struct seed *s = &seeds[rnd() % n_seeds];
        size_t len;
        uint8_t *exact;

        memcpy(buf, s->data, s->size);
        len = mutate(buf, s->size, max);
        /* An exact-size copy, so ASan sees any read one byte past the input. */
        exact = malloc(len ? len : 1);
        memcpy(exact, buf, len);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    printf("fuzz: %zu seeds and %ld mutated inputs ran without a finding\n", n_seeds, runs);
    for (size_t i = 0; i < n_seeds; i++)
        free(seeds[i].data);
    free(seeds);
    free(buf);
    return 0;
}
