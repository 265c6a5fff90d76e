/* libFuzzer target: a Kafka message as every consumer decodes it — the CloudEvents envelope
 * (event_decode) and then the typed data parsers of the events our services consume. */
#include <stddef.h>
#include <stdint.h>

#include "common/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    event_t ev;
    char err[256];
    if (event_decode(data, size, &ev, err, sizeof(err)) != 0)
        return 0;
    posting_requested_t pr;
    if (posting_requested_parse(ev.data, &pr, err, sizeof(err)) == 0)
        posting_requested_free(&pr);
    posting_event_t pe;
    if (posting_event_parse(ev.data, &pe, err, sizeof(err)) == 0)
        posting_event_free(&pe);
    reply_requested_t rr;
    if (reply_requested_parse(ev.data, &rr, err, sizeof(err)) == 0)
        reply_requested_free(&rr);
    reply_drafted_t rd;
    if (reply_drafted_parse(ev.data, &rd, err, sizeof(err)) == 0)
        reply_drafted_free(&rd);
    monitor_event_t me;
    if (monitor_event_parse(ev.type, ev.data, &me, err, sizeof(err)) == 0)
        monitor_event_free(&me);
    event_free(&ev);
    return 0;
}
