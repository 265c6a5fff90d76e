/* The skeleton of a service's main(): command line, configuration, signals, Kafka topics,
 * producer and consumer, the health server and one shutdown order, so that each main()
 * keeps only its own wiring. A service describes itself once (service_spec_t: its name, its
 * own config rows, its command-line modes) and its config struct embeds a service_config_t
 * for the keys every service shares, each declared once below with one default.
 *
 *   service_t svc;
 *   int rc = service_begin(&svc, &spec, &cfg, argc, argv);    args, config, logs, signals
 *   if (rc >= 0) return rc;
 *   service_kafka_start(&svc, topics, on_delivery, ctx);       topics, then the producer
 *   service_consumer_start(&svc, &cc);                          the consumer group
 *   service_health_start(&svc, probes, n);                      /healthz /readyz /metrics
 *   status = service_run(&svc, drain_ms);                       until SIGTERM
 *   return service_end(&svc, &shutdown, status);                the shutdown order
 *
 * Shutdown order (service_end), the same for every service:
 *   1. stop intake    the consumer's poll loop has returned (service_run), then
 *                     shutdown->stop_intake (e.g. the api's HTTP server);
 *   2. drain          shutdown->drain waits for work in flight (worker pool, heartbeat,
 *                     model calls, the api's relay and status consumer);
 *   3. flush producer what the drained work published reaches the broker...
 *   4. close consumer ...before the consumer's handle goes (its stored offsets were
 *                     committed when its poll loop ended), so nothing acknowledged is lost;
 *   5. stop health    /readyz answers until the process has nothing left to do;
 *   6. free           the producer, shutdown->release (the service's own state), the config;
 *                     then "bye". */
#ifndef COMMON_SERVICE_MAIN_H
#define COMMON_SERVICE_MAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/config.h"
#include "common/kafka.h"
#include "common/service.h"

/* The keys every service shares (the rows a service has depend on its features). */
typedef struct {
    char *log_level;             /* LOG_LEVEL */
    char *kafka_bootstrap;       /* KAFKA_BOOTSTRAP_SERVERS (SERVICE_KAFKA; required) */
    char *kafka_client_id;       /* KAFKA_CLIENT_ID, default byebuy-<name> */
    long long topic_partitions;  /* TOPIC_PARTITIONS */
    long long topic_replication; /* TOPIC_REPLICATION */
    char *kafka_group_id;        /* KAFKA_GROUP_ID (SERVICE_CONSUMER), default byebuy-<name> */
    char *health_host;           /* HEALTH_HOST (SERVICE_HEALTH) */
    long long health_port;       /* HEALTH_PORT (SERVICE_HEALTH), default per service */
} service_config_t;

enum {
    SERVICE_KAFKA = 1u << 0,    /* produces and creates its topics */
    SERVICE_CONSUMER = 1u << 1, /* consumes in a group */
    SERVICE_HEALTH = 1u << 2,   /* runs its own /healthz server (the api mounts the handlers) */
};

/* A command-line flag of the service besides --help and --config-example. */
typedef struct {
    const char *flag; /* "--draft" */
    const char *help; /* one line for --help */
    bool offline;     /* a one-shot mode without Kafka: no signals, no config log, no "bye" */
} service_option_t;

#define SERVICE_MAX_OPTIONS 4

/* Checks across variables after loading (values, combinations).
 * Returns 0 or -1 with "<VARIABLE>: <problem>" in errstr. */
typedef int (*service_check_fn)(void *cfg, char *errstr, size_t errstr_size);

typedef struct {
    const char *name;           /* "poster": the log prefix, byebuy-<name>, the section name */
    const char *summary;        /* --help's description, one or more lines */
    unsigned features;          /* SERVICE_KAFKA | SERVICE_CONSUMER | SERVICE_HEALTH */
    const char *health_port;    /* the default HEALTH_PORT (SERVICE_HEALTH) */
    const config_entry_t *rows; /* the service's own rows: offsets into its config struct */
    size_t nrows;
    size_t shared_offset;   /* offsetof(its config struct, its service_config_t) */
    service_check_fn check; /* NULL: none */
    service_option_t options[SERVICE_MAX_OPTIONS]; /* up to the first NULL flag */
    /* Topic creation retries until Kafka answers or a stop (the api, which compose may start
     * before the broker); otherwise one attempt of 15 s and the service exits 1. */
    bool wait_for_kafka;
} service_spec_t;

typedef struct {
    const service_spec_t *spec;
    void *cfg;                /* the service's config struct */
    service_config_t *shared; /* inside cfg, at spec->shared_offset */
    bool option_set[SERVICE_MAX_OPTIONS];
    bool offline; /* an offline option was given */
    bool config_loaded;
    config_entry_t *rows; /* shared rows then the service's own, offsets into cfg */
    size_t nrows;
    char default_id[48]; /* "byebuy-<name>": KAFKA_CLIENT_ID's and KAFKA_GROUP_ID's default */
    kafka_producer_t *producer;
    kafka_consumer_t *consumer;
    service_http_t *health;
} service_t;

/* What service_end calls at its steps; every field may be NULL. */
typedef struct {
    void (*stop_intake)(void *ctx); /* step 1, after the consumer's loop */
    void (*drain)(void *ctx);       /* step 2 */
    void (*release)(void *ctx);     /* step 6, after the producer is freed */
    void *ctx;
    int flush_timeout_ms; /* step 3; 0: 5000 */
} service_shutdown_t;

/* Parses argv (--help, --config-example, spec->options), loads the configuration (the
 * environment, then .env, then the defaults; spec->check), initialises logging with
 * LOG_LEVEL and, unless an offline option was given, logs the configuration and starts the
 * signal thread (service_signals_init). svc is initialised first, in every case. Returns -1
 * to go on, or the status main() returns: 0 after --help / --config-example, 2 for an
 * unknown argument, 1 for a bad configuration (named in the log). */
int service_begin(service_t *svc, const service_spec_t *spec, void *cfg, int argc, char **argv)
    __attribute__((warn_unused_result));

/* true when the option with that flag was on the command line. */
bool service_option(const service_t *svc, const char *flag);

/* Loads the configuration only, for a tool that shares a service's keys (byebuy-login); svc
 * and cfg start zeroed. offline makes KAFKA_BOOTSTRAP_SERVERS optional. Returns 0, or -1 with
 * errstr. Free with service_config_free even on failure. */
int service_config_load(service_t *svc, const service_spec_t *spec, void *cfg, bool offline,
                        char *errstr, size_t errstr_size) __attribute__((warn_unused_result));
void service_config_free(service_t *svc);

/* --help and --config-example, from the same rows as the loader. */
void service_usage(const service_spec_t *spec, FILE *out);
void service_config_example(const service_spec_t *spec, FILE *out);

/* Creates the missing topics (NULL-terminated) with TOPIC_PARTITIONS and TOPIC_REPLICATION,
 * then the producer (client id KAFKA_CLIENT_ID, on_delivery may be NULL). Returns 0, or -1
 * after logging why (or on a stop while waiting for Kafka). */
int service_kafka_start(service_t *svc, const char *const *topics, kafka_delivery_fn on_delivery,
                        void *ctx) __attribute__((warn_unused_result));

/* Creates the consumer; cc's bootstrap, group_id, client_id and dlq_producer are filled
 * from the configuration and the producer. Returns 0 or -1 (logged). */
int service_consumer_start(service_t *svc, kafka_consumer_config_t *cc)
    __attribute__((warn_unused_result));

/* Starts the health server on HEALTH_HOST:HEALTH_PORT (see service_http_start). Returns 0
 * or -1 (logged). */
int service_health_start(service_t *svc, const service_probe_t *probes, size_t nprobes)
    __attribute__((warn_unused_result));

/* Runs the consumer until SIGTERM (drain_timeout_ms for its deferred messages, see
 * kafka_consumer_run). Returns the exit status: 0, or 1 on a consumer error. */
int service_run(service_t *svc, int drain_timeout_ms);

/* Stops everything in the order at the top of this file, from any point of the start-up
 * (what was never started is skipped), and returns status. */
int service_end(service_t *svc, const service_shutdown_t *shutdown, int status);

#endif
