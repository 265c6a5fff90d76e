-- 0010_job_pacing: account safety for browser marketplaces (services/api/src/domain/
-- job_schedule.c, docs/pacing.md). Every action a job makes an account take (a post, a delist,
-- an update) reserves a slot: at least the account's min gap from its other actions and within
-- the kind's daily cap; the job's request event waits on the outbox until its slot comes.

-- Pacing settings: one row per platform (account_id NULL) and optional per-account overrides.
-- A NULL column means "inherit": an account row from its platform's row, a platform row from the
-- built-in defaults (job_schedule.c). Caps are actions per local day, 0 = no cap. timezone NULL:
-- the platform's, else the responder settings' caps timezone, else UTC.
CREATE TABLE job_pacing (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform        text NOT NULL CHECK (platform ~ '^[a-z][a-z0-9_]{0,49}$'),
    account_id      bigint REFERENCES marketplace_accounts (id) ON DELETE CASCADE,
    min_gap_s       integer CHECK (min_gap_s BETWEEN 0 AND 86400),
    jitter_s        integer CHECK (jitter_s BETWEEN 0 AND 86400),
    posts_per_day   integer CHECK (posts_per_day BETWEEN 0 AND 100000),
    delists_per_day integer CHECK (delists_per_day BETWEEN 0 AND 100000),
    updates_per_day integer CHECK (updates_per_day BETWEEN 0 AND 100000),
    timezone        text CHECK (timezone IS NULL OR char_length(timezone) BETWEEN 1 AND 63),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX job_pacing_scope_idx ON job_pacing (platform, COALESCE(account_id, 0));
CREATE TRIGGER job_pacing_touch BEFORE UPDATE ON job_pacing
    FOR EACH ROW EXECUTE FUNCTION bb_touch_updated_at();
CREATE TRIGGER job_pacing_events AFTER INSERT OR UPDATE OR DELETE ON job_pacing
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('settings', 'id', 'platform', 'account_id');

-- The reserved slots, per account (account_id 0: the platform's default account, which has no
-- row). Kept after the job ran: they count against the day's cap. job_id is NULL once the job
-- is deleted (the action still happened). Rows older than two days are pruned when the account
-- schedules again.
CREATE TABLE job_slots (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform   text NOT NULL,
    account_id bigint NOT NULL DEFAULT 0,
    kind       text NOT NULL CHECK (kind IN ('post', 'delist', 'update')),
    job_id     bigint REFERENCES posting_jobs (id) ON DELETE SET NULL,
    run_at     timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_slots_account_idx ON job_slots (platform, account_id, run_at);
CREATE INDEX job_slots_job_idx ON job_slots (job_id);

-- The outbox's next_attempt_at is its "not before": a scheduled request is enqueued with its
-- slot's time there (outbox_enqueue_at); failed publishes move it by the backoff as before.
-- The relay sleeps until the earliest one: this index answers it.
COMMENT ON COLUMN outbox.next_attempt_at IS
    'not before: the relay publishes the row once this time has come (a job''s slot, or a retry''s backoff)';
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE published_at IS NULL;
