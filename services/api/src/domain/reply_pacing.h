/* Buyer-reply pacing per marketplace account: every message.send of an account gets a send
 * slot, the way posts get theirs (docs/pacing.md "Buyer replies"). An AI reply goes at least
 * a random reply_gap_min_s..reply_gap_max_s after the account's previous send (Facebook: 180
 * to 300 s, facebook-markup.md §2.4 S15); a seller's own message goes at once but counts as
 * the account's latest send. The slot is the message.send's "not before" on the outbox and
 * the message's scheduled_at, so nothing sleeps and a restart loses nothing. */
#ifndef API_REPLY_PACING_H
#define API_REPLY_PACING_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/result.h"
#include "domain/tx.h"

/* Pure: the send time of a paced message: now_us when the account never sent (last_us 0) or
 * has no gap, else the later of now_us and last_us plus a gap drawn uniformly (to the
 * microsecond) from [gap_min_s, gap_max_s] with *seed (an xorshift state, not 0; a max below
 * the min counts as the min). */
int64_t reply_pacing_next(int64_t now_us, int64_t last_us, int gap_min_s, int gap_max_s,
                          uint64_t *seed);

/* Reserves the send slot of message_id, a message of account_id, inside tx: serialises with
 * every other reply scheduling of the account (advisory lock: two api instances never hand
 * out one slot twice), reads the account's pacing (account override, platform setting,
 * built-in default; PACING_OFF turns the built-in one off), computes the slot (paced: as
 * reply_pacing_next; not paced, a seller's own message: the transaction's now()), records it
 * as the account's latest send and as the message's scheduled_at. *send_at_us is the time for
 * outbox_enqueue_at. Returns 0 or -1 (r: CMD_FAILED when the database failed). */
int reply_pacing_slot(tx_t *tx, int64_t account_id, int64_t message_id, bool paced,
                      int64_t *send_at_us, cmd_result_t *r) __attribute__((warn_unused_result));

#endif
