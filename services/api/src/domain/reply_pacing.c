/* Buyer-reply pacing (see reply_pacing.h). */
#include "domain/reply_pacing.h"

#include <inttypes.h>

#include "common/log.h"
#include "domain/job_schedule.h"
#include "domain/pacing.h"
#include "store/account_store.h"
#include "store/message_store.h"
#include "store/pacing_store.h"
#include "store/reply_slot_store.h"

#define US_PER_S ((int64_t)1000000)

int64_t reply_pacing_next(int64_t now_us, int64_t last_us, int gap_min_s, int gap_max_s,
                          uint64_t *seed)
{
    int lo = gap_min_s > 0 ? gap_min_s : 0;
    int hi = gap_max_s > lo ? gap_max_s : lo;
    if (last_us <= 0 || hi == 0)
        return now_us;
    int64_t gap = lo * US_PER_S + job_schedule_jitter(seed, (int64_t)(hi - lo) * US_PER_S);
    return last_us + gap > now_us ? last_us + gap : now_us;
}

int reply_pacing_slot(tx_t *tx, int64_t account_id, int64_t message_id, bool paced,
                      int64_t *send_at_us, cmd_result_t *r)
{
    store_err_t err;
    account_row_t acc;
    pacing_row_t plat, acct;
    char fallback_tz[64];
    int64_t now_us, last_us;
    if (reply_slot_store_lock(tx->pg, account_id, &err) != 0 ||
        reply_slot_store_get(tx->pg, account_id, &now_us, &last_us, &err) != 0)
        return cmd_db_fail(r, "reading the account's last send", &err);
    *send_at_us = now_us;
    if (paced) {
        int found = account_store_find(tx->pg, account_id, false, false, &acc, &err);
        if (found < 0 || (found > 0 && pacing_store_get(tx->pg, acc.platform, account_id, &plat,
                                                        &acct, fallback_tz, &err) != 0))
            return cmd_db_fail(r, "reading the reply pacing", &err);
        if (found > 0) {
            pacing_t eff;
            pacing_effective(acc.platform, &plat, &acct, fallback_tz, &eff);
            uint64_t seed = ((uint64_t)now_us * 0x9E3779B97F4A7C15ull) ^ (uint64_t)message_id;
            seed = seed ? seed : 1;
            *send_at_us =
                reply_pacing_next(now_us, last_us, eff.reply_gap_min_s, eff.reply_gap_max_s, &seed);
        }
    }
    if (reply_slot_store_put(tx->pg, account_id, *send_at_us, &err) != 0 ||
        message_store_schedule(tx->pg, message_id, *send_at_us, &err) != 0)
        return cmd_db_fail(r, "reserving the send slot", &err);
    if (*send_at_us > now_us)
        LOG_INFO("message %" PRId64 ": send slot in %" PRId64 " s (account %" PRId64
                 "'s reply gap)",
                 message_id, (*send_at_us - now_us + US_PER_S - 1) / US_PER_S, account_id);
    return 0;
}
