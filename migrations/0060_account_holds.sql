-- 0060_account_holds: Facebook as it really is (issue 13; docs/pacing.md "Monthly cap" and
-- "Account holds"). The evidence (shared/reference/facebook-markup.md §2.1, §2.4) shows a
-- monthly posting limit (about 20 listings a month observed, S3) and temporary blocks; a
-- poster that meets one fails the job with error_code limit_reached or blocked, and the api
-- then holds the account so its later jobs wait instead of hammering the marketplace.

-- Pacing gains a monthly post cap (0 = none) and the length of the holds:
-- hold_blocked_s: how long an account waits after `blocked` (default 24 h);
-- hold_limit_s:   after `limit_reached`; 0 = until the start of the next local month.
-- NULL inherits, as the other columns do.
ALTER TABLE job_pacing
    ADD COLUMN posts_per_month integer CHECK (posts_per_month BETWEEN 0 AND 100000),
    ADD COLUMN hold_blocked_s  integer CHECK (hold_blocked_s BETWEEN 0 AND 31622400),
    ADD COLUMN hold_limit_s    integer CHECK (hold_limit_s BETWEEN 0 AND 31622400);

-- One hold per account (account_id 0: the platform's default account, as in job_slots).
-- While until is in the future the account's jobs are scheduled at or after it: every job
-- for `blocked`, post jobs for `limit_reached` (a sold item must still come down).
CREATE TABLE account_holds (
    platform   text NOT NULL CHECK (platform ~ '^[a-z][a-z0-9_]{0,49}$'),
    account_id bigint NOT NULL DEFAULT 0,
    reason     text NOT NULL CHECK (reason IN ('blocked', 'limit_reached')),
    detail     text NOT NULL DEFAULT '' CHECK (char_length(detail) <= 2000),
    job_id     bigint REFERENCES posting_jobs (id) ON DELETE SET NULL,
    until      timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, account_id)
);

-- Why a pending job waits (NULL: it does not): account pacing, the daily or monthly cap, or
-- a hold ("account on hold until ... (blocked by facebook_marketplace: ...)").
ALTER TABLE posting_jobs ADD COLUMN wait_reason text;

-- The monthly cap counts an account's post slots by local month.
CREATE INDEX job_slots_kind_idx ON job_slots (platform, account_id, kind, run_at);

-- The dashboard's account list refetches on a change of the hold.
CREATE TRIGGER account_holds_events AFTER INSERT OR UPDATE OR DELETE ON account_holds
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('account', 'id=account_id', 'platform', 'reason');
