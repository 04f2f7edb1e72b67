/*
 * cmd.h - the smematch command-line client's subcommands. Each takes the arguments after its
 * name (argv[0] is the subcommand) and the shared options, and returns the process exit code:
 * 0 success, 1 failure, 2 usage error, 3 partial success (some records failed).
 */
#ifndef SM_CMD_H
#define SM_CMD_H

struct cli_opts {
    const char *url;  /* gateway base URL (--url, SMEMATCH_URL) */
    const char *key;  /* API key (--key, SMEMATCH_KEY), may be NULL */
    int quiet;        /* --quiet: no progress output */
};

int cmd_serve(int argc, char **argv, const struct cli_opts *o);
int cmd_import(int argc, char **argv, const struct cli_opts *o);
int cmd_get(int argc, char **argv, const struct cli_opts *o);
int cmd_event(int argc, char **argv, const struct cli_opts *o);
int cmd_leads(int argc, char **argv, const struct cli_opts *o);
int cmd_search(int argc, char **argv, const struct cli_opts *o);

#endif
