/* byebuy-monitor's configuration: one table read from the environment (and .env) at start. */
#ifndef MONITOR_CONFIG_H
#define MONITOR_CONFIG_H

#include <stddef.h>

#include "common/config.h"

typedef struct {
    char *log_level;
    char *kafka_bootstrap;
    char *kafka_group_id;
    long long topic_partitions;
    long long topic_replication;
    char *health_host;
    long long health_port;
    long long heartbeat_ms;
} monitor_config_t;

extern const config_entry_t monitor_config_table[];
extern const size_t monitor_config_count;

/* Fills cfg from the environment. Returns 0, or -1 with "<VARIABLE>: <problem>" in errstr.
 * Free with monitor_config_free. */
int monitor_config_load(monitor_config_t *cfg, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Frees what monitor_config_load allocated. Accepts a zeroed struct. */
void monitor_config_free(monitor_config_t *cfg);

#endif
