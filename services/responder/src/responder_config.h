/* The responder's configuration: one declarative table read from the environment (and .env)
 * once at start. A bad value names the variable; main then exits 1 before any thread. */
#ifndef RESPONDER_CONFIG_H
#define RESPONDER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

typedef struct {
    char *kafka_bootstrap;         /* KAFKA_BOOTSTRAP_SERVERS (required unless --draft) */
    char *kafka_group_id;          /* KAFKA_GROUP_ID */
    long long kafka_max_in_flight; /* REPLY_IN_FLIGHT_PER_PARTITION */
    char *openai_base_url;         /* OPENAI_BASE_URL: unset = rules engine */
    char *openai_api_key;          /* OPENAI_API_KEY (secret) */
    char *openai_model;            /* OPENAI_MODEL */
    long long llm_timeout_ms;      /* LLM_TIMEOUT_MS, per attempt */
    long long llm_max_retries;     /* LLM_MAX_RETRIES */
    long long llm_max_inflight;    /* LLM_MAX_INFLIGHT */
    long long llm_max_tokens;      /* LLM_MAX_COMPLETION_TOKENS */
    double llm_temperature;        /* LLM_TEMPERATURE */
    double llm_max_retry_after_s;  /* LLM_MAX_RETRY_AFTER_S */
    long long reply_max_chars;     /* REPLY_MAX_CHARS */
    char *health_host;             /* HEALTH_HOST */
    long long health_port;         /* HEALTH_PORT */
    char *log_level;               /* LOG_LEVEL */
    long long shutdown_ms;         /* SHUTDOWN_TIMEOUT_MS: whole budget after SIGTERM */
} responder_config_t;

extern const config_entry_t responder_config_table[];
extern const size_t responder_config_table_len;

/* Loads the table into cfg and checks what the table cannot express (bootstrap required
 * unless draft_mode, OPENAI_BASE_URL must be http(s)). Returns 0, or -1 with
 * "<VARIABLE>: <problem>" in errstr. Free with responder_config_free even on failure. */
int responder_config_load(responder_config_t *cfg, bool draft_mode, char *errstr,
                          size_t errstr_size) __attribute__((warn_unused_result));

/* Frees the strings. Accepts a zeroed struct. */
void responder_config_free(responder_config_t *cfg);

#endif
