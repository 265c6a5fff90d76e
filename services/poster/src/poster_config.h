/* The poster's configuration table (environment variables, documented in
 * config/byebuy.env.example), shared by byebuy-poster and byebuy-login. */
#ifndef POSTER_CONFIG_H
#define POSTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

typedef struct {
    char *log_level;
    char *kafka_bootstrap;
    char *kafka_group_id;
    long long topic_partitions;
    long long topic_replication;
    char *webdriver_url;
    char *browser_backend; /* local | browserbase */
    char *bb_api_url;
    char *bb_api_key;
    char *bb_project_id;
    char *bb_context_id;
    char *profile_dir;
    bool headless;
    char *chrome_binary;
    char *work_dir;
    char *api_public_url;
    long long artifact_retries;
    char *recipes_dir;
    char *sandbox_url;
    char *facebook_url;
    long long job_timeout_ms;
    long long profile_lock_timeout_ms;
    long long workers;
    long long step_delay_ms;
    long long webdriver_timeout_ms;
    char *health_host;
    long long health_port;
} poster_config_t;

/* The table and its length, for config_load / config_free / config_log. */
extern const config_entry_t poster_config_table[];
extern const size_t poster_config_count;

/* Loads the configuration and checks what the table cannot (BROWSER_BACKEND's values, the
 * Browserbase keys it needs), then exports SANDBOX_URL / FACEBOOK_URL for the recipes'
 * base_url_env. Returns 0 or -1 with "<VARIABLE>: <problem>" in errstr. Call before threads.
 * The caller frees with poster_config_free. */
int poster_config_load(poster_config_t *cfg, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

void poster_config_free(poster_config_t *cfg);

/* true when BROWSER_BACKEND is browserbase. */
bool poster_config_browserbase(const poster_config_t *cfg);

#endif
