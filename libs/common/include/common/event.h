/* Every event on every topic: topic names, type strings, field names, and a build and a parse
 * function per event, around one CloudEvents 1.0 envelope (structured JSON mode):
 *   {"specversion":"1.0","id":uuid,"source":"byebuy/<service>","type":...,"time":RFC3339,
 *    "subject":<entity id>,"datacontenttype":"application/json","data":{...}}
 * No service spells a topic, type or field name by hand: they use this header. */
#ifndef COMMON_EVENT_H
#define COMMON_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* ---- topics (key in brackets) --------------------------------------------------------- */
#define TOPIC_POSTING_REQUESTS "bb.posting.requests" /* listing id */
#define TOPIC_POSTING_EVENTS "bb.posting.events"     /* job id */
#define TOPIC_MONITOR_COMMANDS "bb.monitor.commands" /* account id */
#define TOPIC_MONITOR_EVENTS "bb.monitor.events"     /* thread or account id */
/* account id; compacted, partitioned as bb.monitor.commands (partition p of one is p of the
 * other): the last record per account is the state a monitor restores on assignment */
#define TOPIC_MONITOR_DESIRED "bb.monitor.desired"
#define TOPIC_REPLY_REQUESTS "bb.reply.requests" /* conversation id */
#define TOPIC_REPLY_DRAFTS "bb.reply.drafts"     /* conversation id */
#define TOPIC_DLQ "bb.dlq"                       /* original key */

/* ---- types ------------------------------------------------------------------------------ */
#define EV_POSTING_REQUESTED "posting.requested"
#define EV_DELISTING_REQUESTED "delisting.requested"
#define EV_POSTING_STARTED "posting.started"
#define EV_POSTING_LOG "posting.log"
#define EV_POSTING_SUCCEEDED "posting.succeeded"
#define EV_POSTING_FAILED "posting.failed"
#define EV_DELISTING_SUCCEEDED "delisting.succeeded"
#define EV_DELISTING_FAILED "delisting.failed"
#define EV_UPDATE_REQUESTED "update.requested"
#define EV_UPDATE_SUCCEEDED "update.succeeded"
#define EV_UPDATE_FAILED "update.failed"
#define EV_RENEW_REQUESTED "renew.requested"
#define EV_RENEW_SUCCEEDED "renew.succeeded"
#define EV_RENEW_FAILED "renew.failed"
#define EV_MONITOR_START "monitor.start"
#define EV_MONITOR_STOP "monitor.stop"
#define EV_MESSAGE_SEND "message.send"
#define EV_MESSAGE_RECEIVED "message.received"
#define EV_MESSAGE_SENT "message.sent"
#define EV_MESSAGE_SEND_FAILED "message.send_failed"
#define EV_MONITOR_STATUS "monitor.status"
#define EV_MONITOR_DESIRED "monitor.desired"
#define EV_REPLY_REQUESTED "reply.requested"
#define EV_REPLY_DRAFTED "reply.drafted"
#define EV_DLQ_MESSAGE "dlq.message"

/* ---- field names (every build and parse uses these; no service spells them by hand) ---- */
/* envelope */
#define F_SPECVERSION "specversion"
#define F_ID "id"
#define F_SOURCE "source"
#define F_TYPE "type"
#define F_TIME "time"
#define F_SUBJECT "subject"
#define F_DATACONTENTTYPE "datacontenttype"
#define F_DATA "data"
/* shared */
#define F_JOB_ID "job_id"
#define F_ATTEMPT "attempt"
#define F_PLATFORM "platform"
#define F_ACCOUNT_ID "account_id"
#define F_LISTING "listing"
#define F_LISTING_ID "listing_id"
#define F_TITLE "title"
#define F_DESCRIPTION "description"
#define F_PRICE_CENTS "price_cents"
#define F_FLOOR_CENTS "floor_cents"
#define F_CURRENCY "currency"
#define F_CONDITION "condition"
#define F_CATEGORY "category"
#define F_LOCATION "location"
#define F_IMAGES "images"
#define F_URL "url"
#define F_SHA256 "sha256"
#define F_SIZE "size"
#define F_CONTENT_TYPE "content_type"
#define F_WIDTH "width"
#define F_HEIGHT "height"
#define F_EXTERNAL_ID "external_id"
#define F_EXTERNAL_URL "external_url"
#define F_LEVEL "level"
#define F_MESSAGE "message"
#define F_ARTIFACT "artifact"
#define F_ERROR "error"
#define F_CODE "code"
#define F_RETRYABLE "retryable"
#define F_POSTING_JOB_ID "posting_job_id"
#define F_CHANGED "changed"
/* reply.requested / reply.drafted (issue 4 contract) */
#define F_REQUEST_ID "request_id"
#define F_CONVERSATION_ID "conversation_id"
#define F_FLEXIBILITY "flexibility"
#define F_STATUS "status"
#define F_SELLER_NOTES "seller_notes"
#define F_BUYER "buyer"
#define F_NAME "name"
#define F_STATE "state"
#define F_AGREED_PRICE_CENTS "agreed_price_cents"
#define F_CURRENT_OFFER_CENTS "current_offer_cents"
#define F_COMPETING_OFFER_CENTS "competing_offer_cents"
#define F_HISTORY "history"
#define F_ROLE "role"
#define F_TEXT "text"
#define F_AT "at"
#define F_NEW_MESSAGES "new_messages"
#define F_FINGERPRINT "fingerprint"
#define F_POLICY "policy"
#define F_TONE "tone"
#define F_PERSONA "persona"
#define F_AUTO_SEND "auto_send"
#define F_USE_MODEL "use_model"
#define F_ACTION "action"
#define F_INTENT "intent"
#define F_DEAL "deal"
#define F_BUYER_OFFER_CENTS "buyer_offer_cents"
#define F_COUNTER_CENTS "counter_cents"
#define F_GUARD "guard"
#define F_VIOLATIONS "violations"
#define F_HANDOFF_REASON "handoff_reason"
#define F_MODEL "model"
#define F_LATENCY_MS "latency_ms"
#define F_PROMPT_TOKENS "prompt_tokens"
#define F_COMPLETION_TOKENS "completion_tokens"
/* monitor commands and events */
#define F_MESSAGE_ID "message_id"
#define F_THREAD_ID "thread_id"
#define F_OCCURRENCE "occurrence"
#define F_THREAD "thread"
#define F_LISTING_HINT "listing_hint"
#define F_SENT_AT "sent_at"
#define F_FROM "from"
#define F_RUNNING "running"
#define F_CYCLE "cycle"
#define F_LAST_POLL_AT "last_poll_at"
#define F_LAST_ERROR "last_error"
#define F_LOGIN_REQUIRED "login_required"
/* monitor.desired */
#define F_LABEL "label"
#define F_BROWSER_PROFILE "browser_profile"
#define F_PACING "pacing"
#define F_ACTIVE_MIN_MS "active_min_ms"
#define F_ACTIVE_MAX_MS "active_max_ms"
#define F_IDLE_MIN_MS "idle_min_ms"
#define F_IDLE_MAX_MS "idle_max_ms"
#define F_BREAK_EVERY_CYCLES "break_every_cycles"
#define F_BREAK_MIN_MS "break_min_ms"
#define F_BREAK_MAX_MS "break_max_ms"
#define F_CAPS "caps"
#define F_MAX_SENDS_PER_DAY "max_sends_per_day"
#define F_QUIET_START "quiet_start"
#define F_QUIET_END "quiet_end"
#define F_TIMEZONE "timezone"
/* dlq.message */
#define F_TOPIC "topic"
#define F_PARTITION "partition"
#define F_OFFSET "offset"
#define F_REASON "reason"
#define F_PAYLOAD "payload"
#define F_PAYLOAD_BASE64 "payload_base64"

/* The largest integer an event carries: cJSON keeps numbers as doubles, exact below 2^53. */
#define EV_INT_MAX 9007199254740991LL /* 2^53 - 1 */

/* ---- envelope --------------------------------------------------------------------------- */

typedef struct {
    char id[40];
    char source[64];
    char type[64];
    char time[40];
    char subject[128];
    cJSON *data; /* owned by the envelope */
} event_t;

/* Builds the envelope JSON text around data (consumed, even on failure). source is the
 * service ("api" -> "byebuy/api"); subject the entity id (may be NULL). A fresh id and time
 * are generated unless id is given (the outbox passes its row's event id so a re-publish
 * keeps it). Returns a string the caller frees with free(), or NULL. Thread-safe. */
char *event_encode(const char *source, const char *type, const char *subject, const char *id,
                   cJSON *data);

/* Parses and validates an envelope (specversion "1.0", id, source, type, data object).
 * Returns 0, or -1 with the reason. On success the caller frees with event_free. */
int event_decode(const void *payload, size_t len, event_t *ev, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));

/* Frees what event_decode allocated. Accepts a zeroed event. */
void event_free(event_t *ev);

/* ---- field helpers used by every build/parse below (and by handlers reading ad-hoc data) - */

/* Each reads a field of an object with case-sensitive lookup and a type check. Return 0,
 * or -1 with "<field>: <problem>" in errstr. ev_get_string copies into a new string the
 * caller frees (NULL allowed when optional and absent or null). */
int ev_get_string(const cJSON *obj, const char *field, bool required, char **out, char *errstr,
                  size_t errstr_size);
int ev_get_int64(const cJSON *obj, const char *field, bool required, int64_t *out, char *errstr,
                 size_t errstr_size);
int ev_get_double(const cJSON *obj, const char *field, bool required, double *out, char *errstr,
                  size_t errstr_size);
int ev_get_bool(const cJSON *obj, const char *field, bool required, bool *out, char *errstr,
                size_t errstr_size);
/* Optional fields that are absent or null leave 0 / false / NULL in *out. Integers must be
 * whole numbers with |n| <= EV_INT_MAX ("<field>: expected an integer"). */

/* Finds an object / array member (case-sensitive). *out is NULL when optional and absent or
 * null; it points into obj (not a copy). */
int ev_get_object(const cJSON *obj, const char *field, bool required, const cJSON **out,
                  char *errstr, size_t errstr_size);
int ev_get_array(const cJSON *obj, const char *field, bool required, const cJSON **out,
                 char *errstr, size_t errstr_size);

/* Prefixes an error from a nested parse with where it happened: "url: ..." with prefix
 * "listing.images[2]" becomes "listing.images[2].url: ...". */
void ev_errstr_prefix(char *errstr, size_t errstr_size, const char *prefix);

/* Adds a string member, or null when s is NULL (the builders' shorthand). */
void ev_add_string(cJSON *obj, const char *field, const char *s);
/* Adds an integer member, or null when v is 0 and zero_is_null is set ("0 = none" fields).
 * Values of 10^15 and more are written as exact raw text (cJSON 1.7.15 would print
 * 9007199254740991 as 9.00719925474099e+15); ev_get_int64 reads both from a built object. */
void ev_add_int64(cJSON *obj, const char *field, int64_t v, bool zero_is_null);

/* Per-event payloads. Each event has
 *   cJSON *<name>_build(const <name>_t *e);          new object for event_encode's data
 *   int    <name>_parse(const cJSON *data, <name>_t *e, char *errstr, size_t errstr_size);
 *   void   <name>_free(<name>_t *e);                  frees what parse allocated
 * Money is integer cents. Ids are int64 (PostgreSQL bigint, kept below 2^53). */

/* ---- bb.posting.requests ---------------------------------------------------------------- */

/* Images travel as a claim check: the event carries where to fetch each image and what it
 * must be, never a file path, so the api and the poster need no shared disk.
 *   url           required: absolute http(s) URL, API_PUBLIC_URL + "/uploads/<name>" (the
 *                 api's public base URL); any host that can reach the api can GET it
 *   sha256        required: 64 lowercase hex digits of the bytes served at url
 *   size          required: their length in bytes (> 0)
 *   content_type  image/jpeg, image/png or image/webp; width, height: pixels (optional)
 * The poster downloads each into its own WORK_DIR and fails the job (bad_request) when the
 * bytes differ from sha256/size, or when the api answers 404/410 (the image is gone). */
typedef struct {
    char *url;
    char *sha256;
    int64_t size;
    char *content_type;
    int width, height;
} ev_image_t;

typedef struct {
    int64_t id;
    char *title, *description, *currency, *condition, *category, *location;
    int64_t price_cents;
    ev_image_t *images;
    size_t nimages;
} ev_listing_t;

typedef struct {
    int64_t job_id;
    int attempt;
    char *platform;
    int64_t account_id; /* 0: the platform's default account */
    ev_listing_t listing;
} posting_requested_t;

cJSON *posting_requested_build(const posting_requested_t *e);
int posting_requested_parse(const cJSON *data, posting_requested_t *e, char *errstr,
                            size_t errstr_size) __attribute__((warn_unused_result));
void posting_requested_free(posting_requested_t *e);

/* delisting.requested: take one live posting off its marketplace. job_id and attempt are the
 * job the poster reports on (posting.started/log, then delisting.succeeded or
 * delisting.failed). A listing that is already gone is a success: a redelivered request is
 * harmless. reason is DELIST_SOLD (the item sold elsewhere: mark it sold where the
 * marketplace can) or DELIST_DELETED (the seller deleted it: delete it). */
#define DELIST_SOLD "sold"
#define DELIST_DELETED "deleted"

typedef struct {
    int64_t job_id;
    int attempt;        /* 1 when absent (requests published before it existed) */
    int64_t listing_id; /* the SKU of API drivers is derived from it */
    char *platform;
    int64_t account_id;               /* 0: the platform's default account */
    char *external_id, *external_url; /* at least one */
    char *reason;                     /* DELIST_SOLD or DELIST_DELETED (the default) */
} delisting_requested_t;

cJSON *delisting_requested_build(const delisting_requested_t *e);
int delisting_requested_parse(const cJSON *data, delisting_requested_t *e, char *errstr,
                              size_t errstr_size) __attribute__((warn_unused_result));
void delisting_requested_free(delisting_requested_t *e);

/* update.requested: bring one live posting in line with its listing (an edit of price,
 * title, description or photos). job_id/attempt are the update's own job, reported on with
 * posting.started/log, then update.succeeded or update.failed; posting_job_id is the job
 * that posted it. listing is the whole listing as it is now (a driver may rewrite every
 * field); changed names what differs from what was posted ("price", "title",
 * "description", "images", ...), so a driver can do only that (a price drop edits the price).
 * A redelivered update is harmless: the posting already shows the listing. */
typedef struct {
    int64_t job_id;
    int attempt;
    int64_t posting_job_id;
    char *platform;
    int64_t account_id;               /* 0: the platform's default account */
    char *external_id, *external_url; /* at least one */
    char **changed;
    size_t nchanged;
    ev_listing_t listing;
} update_requested_t;

/* Whether u->changed names field. */
bool update_changes(const update_requested_t *u, const char *field);

cJSON *update_requested_build(const update_requested_t *e);
int update_requested_parse(const cJSON *data, update_requested_t *e, char *errstr,
                           size_t errstr_size) __attribute__((warn_unused_result));
void update_requested_free(update_requested_t *e);

/* renew.requested: renew one live posting (bring it to the top again instead of deleting and
 * re-posting it). job_id/attempt are the renew's own job, reported on with posting.started/log,
 * then renew.succeeded or renew.failed (error code not_renewable, not retryable, when the
 * marketplace does not allow it yet); posting_job_id is the job that posted it. */
typedef struct {
    int64_t job_id;
    int attempt;
    int64_t posting_job_id;
    int64_t listing_id;
    char *platform;
    int64_t account_id;               /* 0: the platform's default account */
    char *external_id, *external_url; /* at least one */
} renew_requested_t;

cJSON *renew_requested_build(const renew_requested_t *e);
int renew_requested_parse(const cJSON *data, renew_requested_t *e, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
void renew_requested_free(renew_requested_t *e);

/* ---- bb.posting.events: one struct for started/log/succeeded/failed, delisting.*,
 * update.* and renew.*
 * -------------------------------------------------------------------------------- */

typedef struct {
    int64_t job_id;
    int attempt;
    /* posting.log */
    char *level; /* info, warning, error */
    char *message;
    /* A screenshot of this log line, or NULL: the name under which the poster stored it at
     * the api with PUT /api/jobs/{job_id}/artifacts/{name}, before publishing this event
     * ("poster-<job_id>-<tag>-<hex>.png"); the api's job log shows it as artifact_url
     * "/uploads/<name>". A screenshot that could not be delivered is not named here. */
    char *artifact;
    /* posting.succeeded */
    char *external_id, *external_url;
    /* posting.failed */
    char *error_code; /* login_required, timeout, recipe_failed, bad_request, ... */
    char *error_message;
    bool retryable;
} posting_event_t;

cJSON *posting_event_build(const posting_event_t *e);
int posting_event_parse(const cJSON *data, posting_event_t *e, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
void posting_event_free(posting_event_t *e);

/* ---- bb.reply.requests / bb.reply.drafts ---------------------------------------------- */

typedef struct {
    char *role; /* buyer, seller, agent */
    char *text;
    char *at; /* RFC 3339 */
} ev_history_t;

typedef struct {
    char *fingerprint;
    char *text;
    char *at;
} ev_new_message_t;

typedef struct {
    char *request_id; /* idempotency key */
    char *conversation_id;
    struct {
        int64_t id;
        char *title, *description, *currency, *condition, *location, *status, *seller_notes;
        int64_t price_cents, floor_cents;
        double flexibility; /* 0..1 */
    } listing;
    struct {
        char *name;
    } buyer;
    struct {
        char *status;
        int64_t agreed_price_cents, current_offer_cents, competing_offer_cents; /* 0 = none */
    } state;
    ev_history_t *history;
    size_t nhistory;
    ev_new_message_t *new_messages;
    size_t nnew_messages;
    struct {
        char *tone, *persona;
        bool auto_send;
        /* The seller's model switch (GET/PUT /api/settings/responder): has_use_model false
         * when the seller never set it, and then the responder does what its own config says
         * (the model when one is configured). use_model false: the rules engine answers.
         * model: a model name that overrides the responder's LLM_MODEL (NULL: not). */
        bool has_use_model, use_model;
        char *model;
    } policy;
} reply_requested_t;

cJSON *reply_requested_build(const reply_requested_t *e);
int reply_requested_parse(const cJSON *data, reply_requested_t *e, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
void reply_requested_free(reply_requested_t *e);

typedef struct {
    char *request_id;
    char *conversation_id;
    char *action; /* send, handoff, none */
    char *text;
    char *intent;
    struct {
        char *status; /* none, negotiating, agreed, declined */
        int64_t agreed_price_cents, buyer_offer_cents, counter_cents; /* 0 = none */
    } deal;
    struct {
        char **violations;
        size_t nviolations;
        char *handoff_reason;
    } guard;
    char *source; /* rules, llm */
    struct {
        char *name;
        int64_t latency_ms, prompt_tokens, completion_tokens;
    } model;
} reply_drafted_t;

cJSON *reply_drafted_build(const reply_drafted_t *e);
int reply_drafted_parse(const cJSON *data, reply_drafted_t *e, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
void reply_drafted_free(reply_drafted_t *e);

/* ---- bb.monitor.commands (key: account id) --------------------------------------------- */

/* monitor.start, monitor.stop: account_id. message.send: account_id, message_id (the api's
 * messages row), thread_id (the marketplace thread), text, and optionally occurrence: how
 * many of our earlier messages in the conversation have the same text (compared as
 * fingerprint_normalize does; 0 the first time). The monitor treats the send as done when
 * the thread holds more than occurrence seller bubbles with that text, so a redelivered send
 * never types twice even when the buyer wrote in between. Absent (has_occurrence false:
 * events from before the field) means unknown. */
typedef struct {
    int64_t account_id;
    int64_t message_id;  /* message.send only; 0 otherwise */
    char *thread_id;     /* message.send only */
    char *text;          /* message.send only */
    bool has_occurrence; /* message.send only */
    int64_t occurrence;  /* >= 0 when has_occurrence */
} monitor_command_t;

cJSON *monitor_command_build(const monitor_command_t *e);
/* type is the envelope's type: message.send requires message_id, thread_id and text; an
 * unknown type is an error. */
int monitor_command_parse(const char *type, const cJSON *data, monitor_command_t *e, char *errstr,
                          size_t errstr_size) __attribute__((warn_unused_result));
void monitor_command_free(monitor_command_t *e);

/* ---- bb.monitor.events (key: thread id, or account id for monitor.status) --------------- */

/* One struct for message.received / message.sent / message.send_failed / monitor.status.
 * Sections are optional in general (has_* says which are present); the type decides which
 * are required:
 *   message.received    thread{id,...}, message{fingerprint,text,...}, buyer optional
 *   message.sent        message_id, thread{id}, message{text} (fingerprint when known)
 *   message.send_failed message_id, status{last_error} (thread when known)
 *   monitor.status      status{running,cycle,last_poll_at,last_error,login_required} */
typedef struct {
    int64_t account_id;
    int64_t message_id; /* message.sent / message.send_failed: the command's message_id */
    bool has_thread;
    struct {
        char *id, *url, *listing_hint;
    } thread;
    bool has_buyer;
    struct {
        char *id, *name;
    } buyer;
    bool has_message;
    struct {
        char *fingerprint, *text;
        char *sent_at; /* RFC 3339 or NULL */
        char *from;    /* buyer, seller */
    } message;
    bool has_status;
    struct {
        bool running;
        int64_t cycle;
        char *last_poll_at; /* RFC 3339 or NULL */
        char *last_error;   /* NULL when none */
        bool login_required;
    } status;
} monitor_event_t;

cJSON *monitor_event_build(const monitor_event_t *e);
/* type is the envelope's type (see above for what each requires); unknown types are errors. */
int monitor_event_parse(const char *type, const cJSON *data, monitor_event_t *e, char *errstr,
                        size_t errstr_size) __attribute__((warn_unused_result));
void monitor_event_free(monitor_event_t *e);

/* ---- bb.monitor.desired (key: account id, compacted) ------------------------------------ */

/* The state an account should be in, whichever monitor instance owns its partition:
 *   {account_id, platform, label, running, browser_profile,
 *    pacing{active_min_ms, active_max_ms, idle_min_ms, idle_max_ms, break_every_cycles,
 *           break_min_ms, break_max_ms},
 *    caps{max_sends_per_day, quiet_start "HH:MM", quiet_end "HH:MM", timezone}}
 * label, browser_profile, pacing and caps may be null or absent (the monitor's defaults);
 * inside pacing every field is required, each min <= its max, break_every_cycles 0 = never.
 * In caps max_sends_per_day null or absent = no cap (else >= 1); quiet_start and quiet_end
 * are both set or both null; timezone is an IANA name (null = UTC). A null payload
 * (tombstone) means the account is gone: not running. */
typedef struct {
    int64_t active_min_ms, active_max_ms;
    int64_t idle_min_ms, idle_max_ms;
    int64_t break_every_cycles;
    int64_t break_min_ms, break_max_ms;
} monitor_pacing_t;

typedef struct {
    int64_t max_sends_per_day; /* 0 = no cap */
    char *quiet_start;         /* "HH:MM" or NULL (no quiet hours) */
    char *quiet_end;           /* "HH:MM" or NULL */
    char *timezone;            /* IANA name or NULL (UTC) */
} monitor_caps_t;

typedef struct {
    int64_t account_id;
    char *platform;
    char *label; /* NULL when absent */
    bool running;
    char *browser_profile; /* NULL: the monitor's default profile for the account */
    bool has_pacing;
    monitor_pacing_t pacing;
    bool has_caps;
    monitor_caps_t caps;
} monitor_desired_t;

cJSON *monitor_desired_build(const monitor_desired_t *e);
int monitor_desired_parse(const cJSON *data, monitor_desired_t *e, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
void monitor_desired_free(monitor_desired_t *e);
/* true for "HH:MM" from 00:00 to 23:59 (the quiet hours' format). */
bool monitor_hhmm_valid(const char *s);

/* ---- bb.dlq ------------------------------------------------------------------------------ */

/* data: {"topic","partition","offset","reason","payload"} with the original payload as a
 * string (invalid UTF-8 bytes replaced by U+FFFD) and "payload_base64" always. */
cJSON *dlq_message_build(const char *topic, int32_t partition, int64_t offset, const char *reason,
                         const void *payload, size_t len);

typedef struct {
    char *topic;
    int32_t partition;
    int64_t offset;
    char *reason;
    unsigned char *payload; /* decoded payload_base64 (exact bytes), NUL-terminated */
    size_t len;
} dlq_message_t;

/* Parses a dlq.message data object; the payload comes from payload_base64. */
int dlq_message_parse(const cJSON *data, dlq_message_t *e, char *errstr, size_t errstr_size)
    __attribute__((warn_unused_result));
void dlq_message_free(dlq_message_t *e);

#endif
