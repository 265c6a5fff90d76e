/* The skeleton of a service's main() (see service_main.h). */
#include "common/service_main.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"

#define TOPICS_TIMEOUT_MS 15000
#define FLUSH_TIMEOUT_MS 5000
#define SERVICE_SHARED_ROWS 8 /* all the rows below */

#define S service_config_t
/* The keys every service shares, declared once: one default, one help line each. */
static const config_entry_t shared_log_rows[] = {
    CONFIG_ENTRY("LOG_LEVEL", CONFIG_STRING, "info", 0, 0, false, S, log_level,
                 "debug, info, warn or error"),
};
static const config_entry_t shared_kafka_rows[] = {
    CONFIG_ENTRY("KAFKA_BOOTSTRAP_SERVERS", CONFIG_STRING, NULL, 0, 0, true, S, kafka_bootstrap,
                 "Kafka bootstrap servers, host:port[,host:port]"),
    CONFIG_ENTRY("KAFKA_CLIENT_ID", CONFIG_STRING, NULL, 0, 0, false, S, kafka_client_id,
                 "client id of the producer and the consumer"),
    CONFIG_ENTRY("TOPIC_PARTITIONS", CONFIG_INT, "6", 1, 1000, false, S, topic_partitions,
                 "partitions of the topics the service creates when missing"),
    CONFIG_ENTRY("TOPIC_REPLICATION", CONFIG_INT, "1", 1, 16, false, S, topic_replication,
                 "replication factor of the topics the service creates"),
};
static const config_entry_t shared_consumer_rows[] = {
    CONFIG_ENTRY("KAFKA_GROUP_ID", CONFIG_STRING, NULL, 0, 0, false, S, kafka_group_id,
                 "consumer group of the service's instances"),
};
static const config_entry_t shared_health_rows[] = {
    CONFIG_ENTRY("HEALTH_HOST", CONFIG_STRING, "127.0.0.1", 0, 0, false, S, health_host,
                 "address of the /healthz, /readyz and /metrics server"),
    CONFIG_ENTRY("HEALTH_PORT", CONFIG_INT, NULL, 1, 65535, false, S, health_port,
                 "port of the same"),
};
#undef S
#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static size_t rows_append(config_entry_t *out, size_t n, const config_entry_t *rows, size_t nrows,
                          size_t offset)
{
    for (size_t i = 0; i < nrows; i++) {
        out[n] = rows[i];
        out[n].offset += offset;
        n++;
    }
    return n;
}

/* The merged table: the shared rows the service's features call for (their offsets moved
 * into the service's struct, the per-service defaults filled in), then its own rows. */
static void rows_build(service_t *svc, const service_spec_t *spec, bool offline)
{
    size_t off = spec->shared_offset;
    unsigned f = spec->features;
    config_entry_t *rows = xcalloc(SERVICE_SHARED_ROWS + spec->nrows, sizeof(*rows));
    size_t n = rows_append(rows, 0, shared_log_rows, NROWS(shared_log_rows), off);
    snprintf(svc->default_id, sizeof(svc->default_id), "byebuy-%s", spec->name);
    if (f & SERVICE_KAFKA) {
        size_t first = n;
        n = rows_append(rows, n, shared_kafka_rows, NROWS(shared_kafka_rows), off);
        rows[first].required = !offline; /* KAFKA_BOOTSTRAP_SERVERS */
        rows[first + 1].default_value = svc->default_id;
    }
    if (f & SERVICE_CONSUMER) {
        rows[n] = shared_consumer_rows[0];
        rows[n].offset += off;
        rows[n++].default_value = svc->default_id;
    }
    if (f & SERVICE_HEALTH) {
        n = rows_append(rows, n, shared_health_rows, NROWS(shared_health_rows), off);
        rows[n - 1].default_value = spec->health_port;
    }
    n = rows_append(rows, n, spec->rows, spec->nrows, 0);
    svc->rows = rows;
    svc->nrows = n;
}

static void service_init(service_t *svc, const service_spec_t *spec, void *cfg)
{
    memset(svc, 0, sizeof(*svc));
    svc->spec = spec;
    svc->cfg = cfg;
    svc->shared = (service_config_t *)(void *)((char *)cfg + spec->shared_offset);
}

int service_config_load(service_t *svc, const service_spec_t *spec, void *cfg, bool offline,
                        char *errstr, size_t errstr_size)
{
    if (svc->spec != spec || svc->cfg != cfg)
        service_init(svc, spec, cfg);
    rows_build(svc, spec, offline);
    svc->config_loaded = true;
    if (config_load(svc->rows, svc->nrows, cfg, NULL, errstr, errstr_size) != 0)
        return -1;
    return spec->check ? spec->check(cfg, errstr, errstr_size) : 0;
}

void service_config_free(service_t *svc)
{
    if (!svc->config_loaded)
        return;
    config_free(svc->rows, svc->nrows, svc->cfg);
    free(svc->rows);
    svc->rows = NULL;
    svc->nrows = 0;
    svc->config_loaded = false;
}

void service_usage(const service_spec_t *spec, FILE *out)
{
    service_t svc;
    service_init(&svc, spec, NULL);
    rows_build(&svc, spec, false);
    fprintf(out, "usage: byebuy-%s [--help | --config-example", spec->name);
    for (size_t i = 0; i < SERVICE_MAX_OPTIONS && spec->options[i].flag; i++)
        fprintf(out, " | %s", spec->options[i].flag);
    fprintf(out, "]\n%s\n", spec->summary);
    for (size_t i = 0; i < SERVICE_MAX_OPTIONS && spec->options[i].flag; i++)
        fprintf(out, "  %-26s %s\n", spec->options[i].flag, spec->options[i].help);
    fprintf(out, "configuration from the environment and .env (any other KAFKA_* passes through "
                 "to librdkafka):\n");
    for (size_t i = 0; i < svc.nrows; i++) {
        const config_entry_t *e = &svc.rows[i];
        fprintf(out, "  %-30s %s%s%s%s%s\n", e->name, e->help, e->required ? " (required)" : "",
                e->default_value ? " (default " : "", e->default_value ? e->default_value : "",
                e->default_value ? ")" : "");
    }
    free(svc.rows);
}

void service_config_example(const service_spec_t *spec, FILE *out)
{
    service_t svc;
    service_init(&svc, spec, NULL);
    rows_build(&svc, spec, false);
    config_write_example(spec->name, svc.rows, svc.nrows, out);
    free(svc.rows);
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(service_t *svc, int argc, char **argv)
{
    const service_spec_t *spec = svc->spec;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config-example") == 0) {
            service_config_example(spec, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            service_usage(spec, stdout);
            return 0;
        }
        size_t k = 0;
        while (k < SERVICE_MAX_OPTIONS && spec->options[k].flag &&
               strcmp(argv[i], spec->options[k].flag) != 0)
            k++;
        if (k == SERVICE_MAX_OPTIONS || !spec->options[k].flag) {
            fprintf(stderr, "byebuy-%s: unknown argument \"%s\" (try --help)\n", spec->name,
                    argv[i]);
            return 2;
        }
        svc->option_set[k] = true;
        svc->offline = svc->offline || spec->options[k].offline;
    }
    return -1;
}

int service_begin(service_t *svc, const service_spec_t *spec, void *cfg, int argc, char **argv)
{
    char errstr[1024];
    service_init(svc, spec, cfg);
    int rc = parse_args(svc, argc, argv);
    if (rc >= 0)
        return rc;
    /* errors of the configuration itself are logged at the level the environment asks */
    log_init(spec->name, getenv("LOG_LEVEL"));
    if (service_config_load(svc, spec, cfg, svc->offline, errstr, sizeof(errstr)) != 0) {
        LOG_ERROR("config: %s", errstr);
        service_config_free(svc);
        return 1;
    }
    log_init(spec->name, svc->shared->log_level);
    if (svc->offline)
        return -1;
    config_log(svc->rows, svc->nrows, cfg);
    if (service_signals_init() != 0) {
        LOG_ERROR("cannot set up signal handling");
        service_config_free(svc);
        return 1;
    }
    return -1;
}

bool service_option(const service_t *svc, const char *flag)
{
    for (size_t k = 0; k < SERVICE_MAX_OPTIONS && svc->spec->options[k].flag; k++)
        if (strcmp(svc->spec->options[k].flag, flag) == 0)
            return svc->option_set[k];
    return false;
}

/* One attempt, or (wait_for_kafka) attempts with a capped backoff until one works or a stop. */
static int topics_ensure(service_t *svc, const char *const *topics)
{
    const service_config_t *c = svc->shared;
    char err[512];
    int64_t backoff = 200;
    for (;;) {
        if (kafka_topics_ensure(c->kafka_bootstrap, topics, (int)c->topic_partitions,
                                (int)c->topic_replication, TOPICS_TIMEOUT_MS, err,
                                sizeof(err)) == 0)
            return 0;
        if (!svc->spec->wait_for_kafka) {
            LOG_ERROR("kafka topics: %s", err);
            return -1;
        }
        LOG_WARN("waiting for Kafka to create topics: %s", err);
        util_sleep_ms(backoff, &service_stop);
        backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
        if (service_stop)
            return -1;
    }
}

int service_kafka_start(service_t *svc, const char *const *topics, kafka_delivery_fn on_delivery,
                        void *ctx)
{
    char err[512];
    if (topics_ensure(svc, topics) != 0)
        return -1;
    svc->producer = kafka_producer_new(svc->shared->kafka_bootstrap, svc->shared->kafka_client_id,
                                       on_delivery, ctx, err, sizeof(err));
    if (!svc->producer) {
        LOG_ERROR("kafka producer: %s", err);
        return -1;
    }
    return 0;
}

int service_consumer_start(service_t *svc, kafka_consumer_config_t *cc)
{
    char err[512];
    cc->bootstrap = svc->shared->kafka_bootstrap;
    cc->group_id = svc->shared->kafka_group_id;
    cc->client_id = svc->shared->kafka_client_id;
    cc->dlq_producer = svc->producer;
    svc->consumer = kafka_consumer_new(cc, err, sizeof(err));
    if (!svc->consumer) {
        LOG_ERROR("kafka consumer: %s", err);
        return -1;
    }
    return 0;
}

int service_health_start(service_t *svc, const service_probe_t *probes, size_t nprobes)
{
    char err[512];
    const service_config_t *c = svc->shared;
    svc->health = service_http_start(svc->spec->name, c->health_host, (int)c->health_port, probes,
                                     nprobes, err, sizeof(err));
    if (!svc->health) {
        LOG_ERROR("health server on %s:%lld: %s", c->health_host, c->health_port, err);
        return -1;
    }
    return 0;
}

int service_run(service_t *svc, int drain_timeout_ms)
{
    return kafka_consumer_run(svc->consumer, &service_stop, drain_timeout_ms) == 0 ? 0 : 1;
}

int service_end(service_t *svc, const service_shutdown_t *shutdown, int status)
{
    const service_shutdown_t none = {0};
    const service_shutdown_t *h = shutdown ? shutdown : &none;
    bool quiet = svc->offline;
    if (!quiet)
        LOG_INFO("shutting down");
    if (h->stop_intake)
        h->stop_intake(h->ctx);
    if (h->drain)
        h->drain(h->ctx);
    if (svc->producer &&
        kafka_producer_flush(svc->producer,
                             h->flush_timeout_ms ? h->flush_timeout_ms : FLUSH_TIMEOUT_MS) != 0)
        LOG_WARN("producer flush timed out: what it held is redone after a restart");
    kafka_consumer_free(svc->consumer);
    svc->consumer = NULL;
    LOG_DEBUG("consumer closed");
    service_http_stop(svc->health);
    svc->health = NULL;
    LOG_DEBUG("health server stopped");
    kafka_producer_free(svc->producer);
    svc->producer = NULL;
    if (h->release)
        h->release(h->ctx);
    service_config_free(svc);
    if (kafka_fatal_seen()) {
        LOG_ERROR("stopped after a Kafka fatal error: exiting 1 so that it is restarted");
        if (status == 0)
            status = 1;
    }
    if (!quiet)
        LOG_INFO("bye");
    return status;
}
