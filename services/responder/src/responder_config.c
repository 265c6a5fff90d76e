/* The responder's configuration table (see responder_config.h). */
#include "responder_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/event.h"

#define E(name, type, def, min, max, req, field, help)                                             \
    CONFIG_ENTRY(name, type, def, min, max, req, responder_config_t, field, help)

static const config_entry_t responder_config_rows[] = {
    E("REPLY_IN_FLIGHT_PER_PARTITION", CONFIG_INT, "16", 1, 1000, false, kafka_max_in_flight,
      "reply requests drafted at once per partition"),
    E("OPENAI_BASE_URL", CONFIG_STRING, NULL, 0, 0, false, openai_base_url,
      "OpenAI-compatible API base, e.g. https://api.openai.com/v1 (unset: rules engine)"),
    E("OPENAI_API_KEY", CONFIG_SECRET, NULL, 0, 0, false, openai_api_key,
      "API key sent as a Bearer token (optional for local servers)"),
    E("OPENAI_MODEL", CONFIG_STRING, "gpt-4o-mini", 0, 0, false, openai_model,
      "model name sent in each request"),
    E("LLM_TIMEOUT_MS", CONFIG_INT, "20000", 100, 600000, false, llm_timeout_ms,
      "timeout of one model HTTP request"),
    E("LLM_MAX_RETRIES", CONFIG_INT, "2", 0, 10, false, llm_max_retries,
      "retries of a model call on network errors, 408, 409, 429 and 5xx"),
    E("LLM_MAX_INFLIGHT", CONFIG_INT, "64", 1, 4096, false, llm_max_inflight,
      "model HTTP requests running at once per instance"),
    E("LLM_MAX_COMPLETION_TOKENS", CONFIG_INT, "400", 16, 32768, false, llm_max_tokens,
      "max_completion_tokens of each model request"),
    E("LLM_TEMPERATURE", CONFIG_DOUBLE, "0.4", -1, 2, false, llm_temperature,
      "sampling temperature; -1 = not sent (reasoning models accept only their default)"),
    E("LLM_MAX_RETRY_AFTER_S", CONFIG_DOUBLE, "120", 1, 3600, false, llm_max_retry_after_s,
      "a Retry-After longer than this is not waited for: the chat is handed off"),
    E("REPLY_MAX_CHARS", CONFIG_INT, "320", 40, 320, false, reply_max_chars,
      "length asked of the model for one reply (the post-guard trims at 320)"),
    E("SHUTDOWN_TIMEOUT_MS", CONFIG_INT, "4000", 500, 60000, false, shutdown_ms,
      "after SIGTERM: time for drafts in flight to finish before the process exits"),
};
static int responder_config_check(void *config, char *errstr, size_t errstr_size)
{
    responder_config_t *cfg = config;
    if (cfg->openai_base_url && !*cfg->openai_base_url) {
        /* an empty value means "unset": the rules engine drafts */
        free(cfg->openai_base_url);
        cfg->openai_base_url = NULL;
    }
    if (cfg->openai_base_url && strncasecmp(cfg->openai_base_url, "http://", 7) != 0 &&
        strncasecmp(cfg->openai_base_url, "https://", 8) != 0) {
        snprintf(errstr, errstr_size, "OPENAI_BASE_URL: must start with http:// or https://");
        return -1;
    }
    if (cfg->openai_model && !*cfg->openai_model) {
        snprintf(errstr, errstr_size, "OPENAI_MODEL: must not be empty");
        return -1;
    }
    return 0;
}

const service_spec_t responder_service = {
    .name = "responder",
    .summary =
        "  Consumes " TOPIC_REPLY_REQUESTS " and publishes drafts to " TOPIC_REPLY_DRAFTS ".",
    .features = SERVICE_KAFKA | SERVICE_CONSUMER | SERVICE_HEALTH,
    .health_port = "8083",
    .rows = responder_config_rows,
    .nrows = sizeof(responder_config_rows) / sizeof(responder_config_rows[0]),
    .shared_offset = offsetof(responder_config_t, svc),
    .check = responder_config_check,
    .options = {{"--draft",
                 "read one reply.requested data object (JSON) on stdin, print its draft on "
                 "stdout; no Kafka",
                 true}},
};
