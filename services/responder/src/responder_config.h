/* The responder's configuration: one declarative table read from the environment (and .env)
 * once at start. A bad value names the variable; main then exits 1 before any thread. */
#ifndef RESPONDER_CONFIG_H
#define RESPONDER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/service_main.h"

typedef struct {
    service_config_t svc; /* LOG_LEVEL, KAFKA_* (required unless --draft), TOPIC_*, HEALTH_* */
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
    long long shutdown_ms;         /* SHUTDOWN_TIMEOUT_MS: whole budget after SIGTERM */
} responder_config_t;

/* The service's description for service_begin: its rows after the shared ones, --draft (no
 * Kafka), and the checks the table cannot express (OPENAI_BASE_URL must be http(s), an empty
 * one means the rules engine; OPENAI_MODEL not empty). */
extern const service_spec_t responder_service;

#endif
