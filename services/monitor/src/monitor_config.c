/* The configuration table of byebuy-monitor (see monitor_config.h). */
#include "monitor_config.h"

#include "common/event.h"

static const config_entry_t monitor_config_rows[] = {
    CONFIG_ENTRY("MONITOR_HEARTBEAT_MS", CONFIG_INT, "30000", 1000, 3600000, false,
                 monitor_config_t, heartbeat_ms,
                 "interval of monitor.status heartbeats while accounts are running"),
};

const service_spec_t monitor_service = {
    .name = "monitor",
    .summary = "  Watches marketplace inboxes on command from " TOPIC_MONITOR_COMMANDS "\n"
               "  and reports on " TOPIC_MONITOR_EVENTS ".",
    .features = SERVICE_KAFKA | SERVICE_CONSUMER | SERVICE_HEALTH,
    .health_port = "8082",
    .rows = monitor_config_rows,
    .nrows = sizeof(monitor_config_rows) / sizeof(monitor_config_rows[0]),
    .shared_offset = offsetof(monitor_config_t, svc),
};
