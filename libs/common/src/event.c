/* The CloudEvents envelope shared by every topic, the typed field readers that every event
 * parser uses, and dlq.message (see event.h). Per-event payloads live in event_<topic>.c. */
#include "common/event.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/json_check.h"
#include "common/utf8.h"
#include "common/xmalloc.h"

static void set_err(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *errstr, size_t errstr_size, const char *fmt, ...)
{
    if (!errstr || errstr_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, errstr_size, fmt, ap);
    va_end(ap);
}

/* ---- envelope ------------------------------------------------------------------------- */

char *event_encode(const char *source, const char *type, const char *subject, const char *id,
                   cJSON *data)
{
    cJSON *root = NULL;
    char *printed = NULL, *out = NULL;
    char uuid[UUID_STR_LEN], now[32], src[96];

    if (!source || !type || !data || !cJSON_IsObject(data)) {
        cJSON_Delete(data);
        return NULL;
    }
    root = cJSON_CreateObject();
    if (!id || !*id) {
        util_uuid_v4(uuid);
        id = uuid;
    }
    util_time_rfc3339(now);
    snprintf(src, sizeof(src), "byebuy/%s", source);
    cJSON_AddStringToObject(root, F_SPECVERSION, "1.0");
    cJSON_AddStringToObject(root, F_ID, id);
    cJSON_AddStringToObject(root, F_SOURCE, src);
    cJSON_AddStringToObject(root, F_TYPE, type);
    cJSON_AddStringToObject(root, F_TIME, now);
    if (subject)
        cJSON_AddStringToObject(root, F_SUBJECT, subject);
    cJSON_AddStringToObject(root, F_DATACONTENTTYPE, "application/json");
    cJSON_AddItemToObject(root, F_DATA, data);
    data = NULL;
    printed = cJSON_PrintUnformatted(root);
    if (!printed)
        goto cleanup;
    /* The header promises free(); cJSON's allocator may be hooked, so hand back our copy. */
    out = xstrdup(printed);
cleanup:
    cJSON_free(printed);
    cJSON_Delete(root);
    return out;
}

/* Copies a string member of the envelope into a fixed field; absent is fine unless required. */
static int envelope_string(const cJSON *root, const char *field, bool required, char *dst,
                           size_t dst_size, char *errstr, size_t errstr_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, field);
    if (!item || cJSON_IsNull(item)) {
        if (!required)
            return 0;
        set_err(errstr, errstr_size, "%s: missing", field);
        return -1;
    }
    if (!cJSON_IsString(item) || !item->valuestring) {
        set_err(errstr, errstr_size, "%s: expected a string", field);
        return -1;
    }
    if (required && item->valuestring[0] == '\0') {
        set_err(errstr, errstr_size, "%s: empty", field);
        return -1;
    }
    if (strlen(item->valuestring) >= dst_size) {
        set_err(errstr, errstr_size, "%s: longer than %zu characters", field, dst_size - 1);
        return -1;
    }
    memcpy(dst, item->valuestring, strlen(item->valuestring) + 1);
    return 0;
}

int event_decode(const void *payload, size_t len, event_t *ev, char *errstr, size_t errstr_size)
{
    cJSON *root = NULL;
    int rc = -1;

    memset(ev, 0, sizeof(*ev));
    if (!payload || len == 0) {
        set_err(errstr, errstr_size, "empty payload");
        goto cleanup;
    }
    size_t at;
    char why[64];
    if (json_check(payload, len, JSON_MAX_DEPTH, &at, why, sizeof(why)) != 0) {
        snprintf(errstr, errstr_size, "not usable JSON: %s at byte %zu", why, at);
        goto cleanup;
    }
    root = cJSON_ParseWithLength(payload, len);
    if (!root) {
        set_err(errstr, errstr_size, "not JSON");
        goto cleanup;
    }
    if (!cJSON_IsObject(root)) {
        set_err(errstr, errstr_size, "envelope: expected a JSON object");
        goto cleanup;
    }
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(root, F_SPECVERSION);
    if (!sv) {
        set_err(errstr, errstr_size, F_SPECVERSION ": missing");
        goto cleanup;
    }
    if (!cJSON_IsString(sv) || strcmp(sv->valuestring, "1.0") != 0) {
        set_err(errstr, errstr_size, F_SPECVERSION ": expected \"1.0\"");
        goto cleanup;
    }
    if (envelope_string(root, F_ID, true, ev->id, sizeof(ev->id), errstr, errstr_size) < 0 ||
        envelope_string(root, F_SOURCE, true, ev->source, sizeof(ev->source), errstr, errstr_size) <
            0 ||
        envelope_string(root, F_TYPE, true, ev->type, sizeof(ev->type), errstr, errstr_size) < 0 ||
        envelope_string(root, F_TIME, false, ev->time, sizeof(ev->time), errstr, errstr_size) < 0 ||
        envelope_string(root, F_SUBJECT, false, ev->subject, sizeof(ev->subject), errstr,
                        errstr_size) < 0)
        goto cleanup;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, F_DATA);
    if (!data) {
        set_err(errstr, errstr_size, F_DATA ": missing");
        goto cleanup;
    }
    if (!cJSON_IsObject(data)) {
        set_err(errstr, errstr_size, F_DATA ": expected an object");
        goto cleanup;
    }
    ev->data = cJSON_DetachItemFromObjectCaseSensitive(root, F_DATA);
    rc = 0;
cleanup:
    cJSON_Delete(root);
    if (rc < 0)
        memset(ev, 0, sizeof(*ev));
    return rc;
}

void event_free(event_t *ev)
{
    if (!ev)
        return;
    cJSON_Delete(ev->data);
    ev->data = NULL;
}

/* ---- field helpers ---------------------------------------------------------------------- */

/* Looks a member up; returns 1 when present and not null, 0 when absent/null and optional,
 * -1 (errstr) when absent/null and required. */
static int member(const cJSON *obj, const char *field, bool required, const cJSON **item,
                  char *errstr, size_t errstr_size)
{
    *item = obj ? cJSON_GetObjectItemCaseSensitive(obj, field) : NULL;
    if (*item && !cJSON_IsNull(*item))
        return 1;
    *item = NULL;
    if (!required)
        return 0;
    set_err(errstr, errstr_size, "%s: missing", field);
    return -1;
}

int ev_get_string(const cJSON *obj, const char *field, bool required, char **out, char *errstr,
                  size_t errstr_size)
{
    const cJSON *item;
    *out = NULL;
    int m = member(obj, field, required, &item, errstr, errstr_size);
    if (m <= 0)
        return m;
    if (!cJSON_IsString(item) || !item->valuestring) {
        set_err(errstr, errstr_size, "%s: expected a string", field);
        return -1;
    }
    *out = xstrdup(item->valuestring);
    return 0;
}

int ev_get_int64(const cJSON *obj, const char *field, bool required, int64_t *out, char *errstr,
                 size_t errstr_size)
{
    const cJSON *item;
    *out = 0;
    int m = member(obj, field, required, &item, errstr, errstr_size);
    if (m <= 0)
        return m;
    if (cJSON_IsRaw(item) && item->valuestring) {
        /* Built by ev_add_int64 and read back without printing (a builder's object). */
        char *end = NULL;
        long long r = strtoll(item->valuestring, &end, 10);
        if (end == item->valuestring || *end != '\0' || r > EV_INT_MAX || r < -EV_INT_MAX) {
            set_err(errstr, errstr_size, "%s: expected an integer", field);
            return -1;
        }
        *out = r;
        return 0;
    }
    double v = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    /* cJSON keeps doubles: only whole numbers within 2^53 survive the round trip exactly. */
    if (!isfinite(v) || v != floor(v) || fabs(v) > (double)EV_INT_MAX) {
        set_err(errstr, errstr_size, "%s: expected an integer", field);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

int ev_get_double(const cJSON *obj, const char *field, bool required, double *out, char *errstr,
                  size_t errstr_size)
{
    const cJSON *item;
    *out = 0;
    int m = member(obj, field, required, &item, errstr, errstr_size);
    if (m <= 0)
        return m;
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble)) {
        set_err(errstr, errstr_size, "%s: expected a number", field);
        return -1;
    }
    *out = item->valuedouble;
    return 0;
}

int ev_get_bool(const cJSON *obj, const char *field, bool required, bool *out, char *errstr,
                size_t errstr_size)
{
    const cJSON *item;
    *out = false;
    int m = member(obj, field, required, &item, errstr, errstr_size);
    if (m <= 0)
        return m;
    if (!cJSON_IsBool(item)) {
        set_err(errstr, errstr_size, "%s: expected true or false", field);
        return -1;
    }
    *out = cJSON_IsTrue(item);
    return 0;
}

int ev_get_object(const cJSON *obj, const char *field, bool required, const cJSON **out,
                  char *errstr, size_t errstr_size)
{
    int m = member(obj, field, required, out, errstr, errstr_size);
    if (m <= 0)
        return m;
    if (!cJSON_IsObject(*out)) {
        *out = NULL;
        set_err(errstr, errstr_size, "%s: expected an object", field);
        return -1;
    }
    return 0;
}

int ev_get_array(const cJSON *obj, const char *field, bool required, const cJSON **out,
                 char *errstr, size_t errstr_size)
{
    int m = member(obj, field, required, out, errstr, errstr_size);
    if (m <= 0)
        return m;
    if (!cJSON_IsArray(*out)) {
        *out = NULL;
        set_err(errstr, errstr_size, "%s: expected an array", field);
        return -1;
    }
    return 0;
}

void ev_errstr_prefix(char *errstr, size_t errstr_size, const char *prefix)
{
    if (!errstr || errstr_size == 0 || !prefix)
        return;
    char *old = xstrdup(errstr);
    snprintf(errstr, errstr_size, "%s.%s", prefix, old);
    free(old);
}

void ev_add_string(cJSON *obj, const char *field, const char *s)
{
    if (s)
        cJSON_AddStringToObject(obj, field, s);
    else
        cJSON_AddNullToObject(obj, field);
}

void ev_add_int64(cJSON *obj, const char *field, int64_t v, bool zero_is_null)
{
    if (v == 0 && zero_is_null) {
        cJSON_AddNullToObject(obj, field);
        return;
    }
    /* cJSON 1.7.15 prints doubles with 15 significant digits when that compares "equal"
     * within its epsilon, so 9007199254740991 would come out as 9.00719925474099e+15. Below
     * 10^15 that is exact and stays a plain number item; above, write exact raw text (it
     * parses back as a number). */
    if (v > -1000000000000000LL && v < 1000000000000000LL) {
        cJSON_AddNumberToObject(obj, field, (double)v);
        return;
    }
    char num[24];
    snprintf(num, sizeof(num), "%lld", (long long)v);
    cJSON_AddRawToObject(obj, field, num);
}

/* ---- dlq.message ------------------------------------------------------------------------ */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding; caller frees. */
static char *base64_encode(const unsigned char *in, size_t len)
{
    char *out = xmalloc(4 * ((len + 2) / 3) + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static int b64_value(char ch)
{
    const char *p = ch ? strchr(b64_alphabet, ch) : NULL;
    return p ? (int)(p - b64_alphabet) : -1;
}

/* Decodes padded base64 into a new NUL-terminated buffer; returns -1 on bad input. */
static int base64_decode(const char *in, unsigned char **out, size_t *out_len)
{
    size_t n = strlen(in);
    *out = NULL;
    *out_len = 0;
    if (n % 4 != 0)
        return -1;
    unsigned char *buf = xmalloc(n / 4 * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int a = b64_value(in[i]), b = b64_value(in[i + 1]);
        bool pad2 = in[i + 2] == '=', pad3 = in[i + 3] == '=';
        int c = pad2 ? 0 : b64_value(in[i + 2]), d = pad3 ? 0 : b64_value(in[i + 3]);
        if (a < 0 || b < 0 || c < 0 || d < 0 || (pad2 && !pad3) || ((pad2 || pad3) && i + 4 != n)) {
            free(buf);
            return -1;
        }
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        buf[o++] = (unsigned char)(v >> 16);
        if (!pad2)
            buf[o++] = (unsigned char)(v >> 8);
        if (!pad3)
            buf[o++] = (unsigned char)v;
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return 0;
}

/* The payload as text: valid UTF-8 copied, every invalid byte (and NUL) as U+FFFD. */
static char *utf8_sanitize(const unsigned char *in, size_t len)
{
    char *out = xmalloc(len * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq_len(in + i, len - i);
        if (n == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, in + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    return out;
}

cJSON *dlq_message_build(const char *topic, int32_t partition, int64_t offset, const char *reason,
                         const void *payload, size_t len)
{
    cJSON *data = cJSON_CreateObject();
    const unsigned char *bytes = payload ? payload : (const unsigned char *)"";
    if (!payload)
        len = 0;
    ev_add_string(data, F_TOPIC, topic);
    ev_add_int64(data, F_PARTITION, partition, false);
    ev_add_int64(data, F_OFFSET, offset, false);
    ev_add_string(data, F_REASON, reason ? reason : "unknown");
    char *text = utf8_sanitize(bytes, len);
    cJSON_AddStringToObject(data, F_PAYLOAD, text);
    free(text);
    char *b64 = base64_encode(bytes, len);
    cJSON_AddStringToObject(data, F_PAYLOAD_BASE64, b64);
    free(b64);
    return data;
}

int dlq_message_parse(const cJSON *data, dlq_message_t *e, char *errstr, size_t errstr_size)
{
    int64_t partition = 0;
    char *b64 = NULL;
    int rc = -1;

    memset(e, 0, sizeof(*e));
    if (ev_get_string(data, F_TOPIC, true, &e->topic, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_PARTITION, true, &partition, errstr, errstr_size) < 0 ||
        ev_get_int64(data, F_OFFSET, true, &e->offset, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_REASON, true, &e->reason, errstr, errstr_size) < 0 ||
        ev_get_string(data, F_PAYLOAD_BASE64, true, &b64, errstr, errstr_size) < 0)
        goto cleanup;
    if (partition < 0 || partition > INT32_MAX) {
        set_err(errstr, errstr_size, F_PARTITION ": out of range");
        goto cleanup;
    }
    e->partition = (int32_t)partition;
    if (base64_decode(b64, &e->payload, &e->len) < 0) {
        set_err(errstr, errstr_size, F_PAYLOAD_BASE64 ": not valid base64");
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(b64);
    if (rc < 0)
        dlq_message_free(e);
    return rc;
}

void dlq_message_free(dlq_message_t *e)
{
    if (!e)
        return;
    free(e->topic);
    free(e->reason);
    free(e->payload);
    memset(e, 0, sizeof(*e));
}
