/* byebuy-inbox-probe: runs one inbox call of an inbox recipe against a marketplace and prints
 * the result as JSON, to try a recipe by hand (against the sandbox, or a logged-in profile
 * after a marketplace changed its page) and for the integration tests. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "browser/inbox.h"
#include "common/log.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: byebuy-inbox-probe [options] list\n"
            "       byebuy-inbox-probe [options] read THREAD_ID [URL]  ({item_url, listing_title,\n"
            "                                                            messages})\n"
            "       byebuy-inbox-probe [options] sent THREAD_ID TEXT   (already sent?)\n"
            "       byebuy-inbox-probe [options] send THREAD_ID TEXT\n"
            "options:\n"
            "  --recipes DIR     inbox recipes (default $INBOX_RECIPES_DIR or recipes/inbox)\n"
            "  --platform NAME   the recipe (default sandbox)\n"
            "  --webdriver URL   chromedriver (default $WEBDRIVER_URL or http://127.0.0.1:9515)\n"
            "  --profile DIR     Chromium profile (default: a temporary one)\n"
            "  --account N       account id for the login remedy (default 0)\n"
            "  --headed          show the browser\n"
            "Prints JSON on stdout; on failure {\"error\": {code, message, retryable}}, exit 1.\n"
            "The recipe's base_url_env (SANDBOX_URL, FACEBOOK_URL) overrides its base_url.\n");
}

typedef struct {
    const char *recipes, *platform, *webdriver, *profile;
    long long account;
    bool headed;
} probe_args_t;

static int parse_args(int argc, char **argv, probe_args_t *a)
{
    static const struct option opts[] = {{"recipes", required_argument, NULL, 'r'},
                                         {"platform", required_argument, NULL, 'p'},
                                         {"webdriver", required_argument, NULL, 'w'},
                                         {"profile", required_argument, NULL, 'P'},
                                         {"account", required_argument, NULL, 'a'},
                                         {"headed", no_argument, NULL, 'H'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    a->recipes = getenv("INBOX_RECIPES_DIR") ? getenv("INBOX_RECIPES_DIR") : "recipes/inbox";
    a->platform = "sandbox";
    a->webdriver = getenv("WEBDRIVER_URL") ? getenv("WEBDRIVER_URL") : "http://127.0.0.1:9515";
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            a->recipes = optarg;
            break;
        case 'p':
            a->platform = optarg;
            break;
        case 'w':
            a->webdriver = optarg;
            break;
        case 'P':
            a->profile = optarg;
            break;
        case 'a':
            a->account = atoll(optarg);
            break;
        case 'H':
            a->headed = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            return -1;
        }
    }
    return 0;
}

static cJSON *threads_json(const inbox_threads_t *t)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < t->n; i++) {
        const inbox_thread_t *x = &t->items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "thread_id", x->thread_id);
        cJSON_AddStringToObject(o, "url", x->url);
        cJSON_AddItemToObject(o, "buyer_id",
                              x->buyer_id ? cJSON_CreateString(x->buyer_id) : cJSON_CreateNull());
        cJSON_AddStringToObject(o, "buyer_name", x->buyer_name);
        cJSON_AddItemToObject(o, "listing_title",
                              x->listing_title ? cJSON_CreateString(x->listing_title)
                                               : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "item_url",
                              x->item_url ? cJSON_CreateString(x->item_url) : cJSON_CreateNull());
        cJSON_AddStringToObject(o, "preview", x->preview);
        cJSON_AddBoolToObject(o, "unread", x->unread);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *messages_json(const inbox_messages_t *m)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < m->n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "from", inbox_from_name(m->items[i].from));
        cJSON_AddStringToObject(o, "text", m->items[i].text);
        cJSON_AddItemToObject(
            o, "at", m->items[i].at ? cJSON_CreateString(m->items[i].at) : cJSON_CreateNull());
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* Runs the command; the result as JSON, or NULL with err. */
static cJSON *run(inbox_t *ib, int argc, char **argv, inbox_error_t *err)
{
    const char *cmd = argv[0];
    inbox_messages_t m = {0};
    cJSON *out = NULL;
    if (strcmp(cmd, "list") == 0 && argc == 1) {
        inbox_threads_t t;
        if (inbox_list_threads(ib, &t, err) != 0)
            return NULL;
        out = threads_json(&t);
        inbox_threads_free(&t);
    } else if (strcmp(cmd, "read") == 0 && (argc == 2 || argc == 3)) {
        if (inbox_read_thread(ib, argv[1], argc == 3 ? argv[2] : NULL, &m, err) != 0)
            return NULL;
        out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "item_url",
                              m.item_url ? cJSON_CreateString(m.item_url) : cJSON_CreateNull());
        cJSON_AddItemToObject(out, "listing_title",
                              m.listing_title ? cJSON_CreateString(m.listing_title)
                                              : cJSON_CreateNull());
        cJSON_AddItemToObject(out, "messages", messages_json(&m));
    } else if (strcmp(cmd, "sent") == 0 && argc == 3) {
        bool sent = false;
        if (inbox_already_sent(ib, argv[1], NULL, argv[2], &sent, &m, err) != 0)
            return NULL;
        out = cJSON_CreateObject();
        cJSON_AddBoolToObject(out, "sent", sent);
        cJSON_AddItemToObject(out, "messages", messages_json(&m));
    } else if (strcmp(cmd, "send") == 0 && argc == 3) {
        if (inbox_send(ib, argv[1], NULL, argv[2], &m, err) != 0)
            return NULL;
        out = cJSON_CreateObject();
        cJSON_AddBoolToObject(out, "verified", true);
        cJSON_AddItemToObject(out, "messages", messages_json(&m));
    } else {
        snprintf(err->code, sizeof(err->code), "bad_request");
        snprintf(err->message, sizeof(err->message), "unknown command or wrong arguments");
        return NULL;
    }
    inbox_messages_free(&m);
    return out;
}

static void progress(void *ctx, const char *level, const char *message, const char *artifact)
{
    (void)ctx;
    (void)artifact;
    fprintf(stderr, "%s: %s\n", level, message);
}

static int print_error(const inbox_error_t *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", err->code);
    cJSON_AddStringToObject(e, "message", err->message);
    cJSON_AddBoolToObject(e, "retryable", err->retryable);
    char *s = cJSON_PrintUnformatted(o);
    printf("%s\n", s);
    free(s);
    cJSON_Delete(o);
    return 1;
}

int main(int argc, char **argv)
{
    probe_args_t a = {0};
    if (parse_args(argc, argv, &a) != 0 || optind >= argc) {
        usage(stderr);
        return 2;
    }
    log_init("inbox-probe", getenv("LOG_LEVEL") ? getenv("LOG_LEVEL") : "warn");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char errstr[1024];
    inbox_error_t err = {0};
    int rc = 1;
    inbox_recipe_set_t *set = inbox_recipe_set_load(a.recipes, errstr, sizeof(errstr));
    const inbox_recipe_t *r = set ? inbox_recipe_find(set, a.platform) : NULL;
    inbox_t *ib = NULL;
    if (!set || !r) {
        char names[256];
        inbox_recipe_names(set, names, sizeof(names));
        snprintf(err.code, sizeof(err.code), "bad_request");
        if (!set)
            snprintf(err.message, sizeof(err.message), "%s", errstr);
        else
            snprintf(err.message, sizeof(err.message), "no inbox recipe %s (there are: %s)",
                     a.platform, names);
        print_error(&err);
        goto done;
    }
    inbox_open_opts_t o = {
        .account_id = a.account,
        .wd = {.backend = WD_LOCAL,
               .endpoint = a.webdriver,
               .headless = !a.headed,
               .chrome_binary = getenv("CHROME_BINARY")},
        .profile_dir = a.profile,
        .log = progress,
    };
    ib = inbox_open(r, &o, &err);
    cJSON *out = ib ? run(ib, argc - optind, argv + optind, &err) : NULL;
    if (!out) {
        print_error(&err);
        goto done;
    }
    char *s = cJSON_Print(out);
    printf("%s\n", s);
    free(s);
    cJSON_Delete(out);
    rc = 0;
done:
    inbox_close(ib);
    inbox_recipe_set_free(set);
    curl_global_cleanup();
    return rc;
}
