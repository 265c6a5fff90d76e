/* The configuration table of byebuy-monitor (see monitor_config.h). */
#include "monitor_config.h"

#include <string.h>

#define E(name, type, def, min, max, req, field, help)                                             \
    CONFIG_ENTRY(name, type, def, min, max, req, monitor_config_t, field, help)

const config_entry_t monitor_config_table[] = {
    E("LOG_LEVEL", CONFIG_STRING, "info", 0, 0, false, log_level, "debug, info, warn or error"),
    E("KAFKA_BOOTSTRAP_SERVERS", CONFIG_STRING, NULL, 0, 0, true, kafka_bootstrap,
      "Kafka brokers, host:port[,host:port]"),
    E("KAFKA_GROUP_ID", CONFIG_STRING, "byebuy-monitor", 0, 0, false, kafka_group_id,
      "consumer group of the monitor instances"),
    E("TOPIC_PARTITIONS", CONFIG_INT, "6", 1, 1000, false, topic_partitions,
      "partitions of the topics the monitor creates"),
    E("TOPIC_REPLICATION", CONFIG_INT, "1", 1, 16, false, topic_replication,
      "replication factor of the topics the monitor creates"),
    E("HEALTH_HOST", CONFIG_STRING, "127.0.0.1", 0, 0, false, health_host,
      "address of the /healthz, /readyz and /metrics server"),
    E("HEALTH_PORT", CONFIG_INT, "8082", 1, 65535, false, health_port, "port of the same"),
    E("MONITOR_HEARTBEAT_MS", CONFIG_INT, "30000", 1000, 3600000, false, heartbeat_ms,
      "interval of monitor.status heartbeats while accounts are running"),
};
const size_t monitor_config_count = sizeof(monitor_config_table) / sizeof(monitor_config_table[0]);

int monitor_config_load(monitor_config_t *cfg, char *errstr, size_t errstr_size)
{
    memset(cfg, 0, sizeof(*cfg));
    return config_load(monitor_config_table, monitor_config_count, cfg, NULL, errstr, errstr_size);
}

void monitor_config_free(monitor_config_t *cfg)
{
    config_free(monitor_config_table, monitor_config_count, cfg);
}
