/*
 * main.c - `smematch`, the command-line client: runs the service, imports registrants, shows
 * profiles. Every command but `serve` talks to the gateway's HTTP API.
 */
#include "sm.h"
#include "cmd.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smematch [--url URL] [--key KEY] [--quiet] COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  serve [--data DIR] [--http HOST:PORT] [--sample FILE]   run engine + gateway\n"
            "  import FILE                  import profiles (NDJSON or CSV) with progress\n"
            "  get ID                       show one profile\n"
            "  event create FILE.json       create a matchmaking event\n"
            "  event import-participants EVENT FILE.csv   register participants (CSV)\n"
            "  event schedule EVENT [--mode place|choose] [--publish] [--json]\n"
            "  event agenda EVENT PROFILE [--format json|csv|ics|html]\n"
            "  event stats EVENT            event statistics\n"
            "  leads ID [--limit N] [--type T] [--country CC] [--json]   ranked leads with reasons\n"
            "  search TEXT [--limit N] [--json]   free-text search over all profiles\n"
            "\n"
            "  --url URL   gateway address (env SMEMATCH_URL, default http://127.0.0.1:8080)\n"
            "  --key KEY   API key (env SMEMATCH_KEY)\n"
            "\n"
            "exit status: 0 ok, 1 error, 2 usage, 3 some records failed (import)\n");
}

int main(int argc, char **argv)
{
    struct cli_opts o = {0};
    const char *env;
    int i;

    env = getenv("SMEMATCH_URL");
    o.url = env && *env ? env : "http://127.0.0.1:8080";
    env = getenv("SMEMATCH_KEY");
    o.key = env && *env ? env : NULL;
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            o.url = argv[++i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            o.key = argv[++i];
        else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            o.quiet = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("smematch %s\n", SM_VERSION);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    argc -= i;
    argv += i;
    if (strcmp(argv[0], "serve") == 0)
        return cmd_serve(argc, argv, &o);
    if (strcmp(argv[0], "import") == 0)
        return cmd_import(argc, argv, &o);
    if (strcmp(argv[0], "get") == 0)
        return cmd_get(argc, argv, &o);
    if (strcmp(argv[0], "event") == 0)
        return cmd_event(argc, argv, &o);
    if (strcmp(argv[0], "leads") == 0)
        return cmd_leads(argc, argv, &o);
    if (strcmp(argv[0], "search") == 0)
        return cmd_search(argc, argv, &o);
    fprintf(stderr, "smematch: unknown command '%s'\n", argv[0]);
    usage(stderr);
    return 2;
}
