-- 0062_reply_pacing: buyer replies paced per account (docs/pacing.md "Buyer replies",
-- services/api/src/domain/reply_pacing.c). Facebook automations wait 3-5 min between messages
-- (shared/reference/facebook-markup.md §2.4, S15): each message.send of an account gets a send
-- slot at least a random reply_gap_min_s..reply_gap_max_s after the account's previous send,
-- and waits on the outbox until then.

-- The gap, in the same rows as the other pacing values (NULL: inherit, as there).
ALTER TABLE job_pacing
    ADD COLUMN reply_gap_min_s integer CHECK (reply_gap_min_s BETWEEN 0 AND 86400),
    ADD COLUMN reply_gap_max_s integer CHECK (reply_gap_max_s BETWEEN 0 AND 86400);

-- The latest send slot given to one of the account's messages (an AI reply's, or the time a
-- seller's own message went): the next paced reply goes at least the gap after it. Written
-- under the account's reply advisory lock, so two api instances never give one slot twice.
CREATE TABLE reply_slots (
    account_id   bigint PRIMARY KEY REFERENCES marketplace_accounts (id) ON DELETE CASCADE,
    last_send_at timestamptz NOT NULL
);

-- When a queued message goes (its message.send's "not before" on the outbox).
ALTER TABLE messages ADD COLUMN scheduled_at timestamptz;
