/* byebuy-monitor's configuration: its own rows after the shared ones of the service skeleton,
 * read from the environment (and .env) at start. */
#ifndef MONITOR_CONFIG_H
#define MONITOR_CONFIG_H

#include "common/service_main.h"

typedef struct {
    service_config_t svc; /* LOG_LEVEL, KAFKA_*, TOPIC_*, HEALTH_* */
    long long heartbeat_ms;
} monitor_config_t;

/* The service's description for service_begin: its rows, its --help. */
extern const service_spec_t monitor_service;

#endif
