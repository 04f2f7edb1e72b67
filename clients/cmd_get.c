/* cmd_get.c - `smematch get ID`: print one profile as indented JSON. */
#include "sm.h"
#include "cmd.h"
#include "httpc.h"

#include <jansson.h>

/* Print a JSON body indented; the raw text when it is not JSON. */
static void print_json(const struct httpc_response *res)
{
    json_t *root = json_loadb(res->body, res->body_len, 0, NULL);

    if (!root) {
        fwrite(res->body, 1, res->body_len, stdout);
        return;
    }
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
}

int cmd_get(int argc, char **argv, const struct cli_opts *o)
{
    struct httpc *h = NULL;
    struct httpc_response res = {0};
    char path[1024], *id = NULL;
    int rc = 1;

    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: smematch get ID\n");
        return 2;
    }
    id = httpc_escape(argv[1]);
    if (!id || httpc_new(&h, o->url, o->key))
        goto out;
    snprintf(path, sizeof(path), "/v1/profiles/%s", id);
    if (httpc_request(h, "GET", path, NULL, NULL, 0, NULL, &res) || res.status != 200) {
        rc = httpc_report_error(argv[1], &res);
        goto out;
    }
    print_json(&res);
    rc = 0;
out:
    httpc_response_release(&res);
    httpc_destroy(&h);
    free(id);
    return rc;
}
