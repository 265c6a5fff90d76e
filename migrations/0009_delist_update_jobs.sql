-- 0009_delist_update_jobs: "sold means gone everywhere" and "edits propagate" (issue 10).
-- A posting is still its post job (kind 'post', the original's job: pending -> posting ->
-- posted | failed); taking it down and bringing it in line with an edited listing are jobs
-- of their own (kind 'delist' / 'update', posting_job_id = the post job), each with its own
-- attempts, logs and retry. The post job shows the outcome of its delists: delisting (a
-- delist job is on its way), delisted, delist_failed (error_* say why).

ALTER TABLE posting_jobs
    ADD COLUMN kind text NOT NULL DEFAULT 'post' CHECK (kind IN ('post', 'delist', 'update')),
    ADD COLUMN posting_job_id bigint REFERENCES posting_jobs (id) ON DELETE CASCADE,
    -- delist: why it is taken down ('sold': mark it sold where the marketplace can)
    ADD COLUMN reason text CHECK (reason IN ('sold', 'deleted')),
    -- update: what differs from what the posting shows (price, title, description, images)
    ADD COLUMN changed text[],
    -- the outbox event of the current request: an edit rewrites it in place while it is
    -- unpublished (coalescing), a sale drops it (a post that never went out is cancelled)
    ADD COLUMN request_event_id uuid,
    -- the poster's verdict on the last failure (false: retrying alone will not help)
    ADD COLUMN error_retryable boolean,
    ADD CONSTRAINT posting_jobs_kind_parent_check CHECK ((kind = 'post') = (posting_job_id IS NULL)),
    ADD CONSTRAINT posting_jobs_delist_reason_check CHECK ((kind = 'delist') = (reason IS NOT NULL));

ALTER TABLE posting_jobs DROP CONSTRAINT posting_jobs_status_check;
ALTER TABLE posting_jobs ADD CONSTRAINT posting_jobs_status_check CHECK (
    (kind = 'post' AND status IN ('pending', 'posting', 'posted', 'failed', 'delisting', 'delisted',
                                  'delist_failed'))
    OR (kind <> 'post' AND status IN ('pending', 'running', 'done', 'failed')));

-- A posting's delist and update jobs, newest first; at most one pending update per posting
-- (a second edit coalesces into it).
CREATE INDEX posting_jobs_parent_idx ON posting_jobs (posting_job_id, id DESC)
    WHERE posting_job_id IS NOT NULL;
CREATE UNIQUE INDEX posting_jobs_one_pending_update_idx ON posting_jobs (posting_job_id)
    WHERE kind = 'update' AND status = 'pending';

-- deleting: DELETE accepted while delists run (hidden from the list); delete_failed: one of
-- them failed, the listing is shown again with the posting that is still live.
ALTER TABLE listings DROP CONSTRAINT listings_status_check;
ALTER TABLE listings ADD CONSTRAINT listings_status_check
    CHECK (status IN ('active', 'sold', 'archived', 'deleting', 'delete_failed'));
ALTER TABLE listings
    ADD COLUMN sold_price_cents bigint CHECK (sold_price_cents > 0),
    ADD COLUMN sold_platform text CHECK (sold_platform ~ '^[a-z][a-z0-9_]{0,49}$'),
    ADD COLUMN sold_at timestamptz;

-- The live feed (0007) names the job's kind and posting, so a client refetches the right one.
DROP TRIGGER posting_jobs_events ON posting_jobs;
CREATE TRIGGER posting_jobs_events AFTER INSERT OR UPDATE OR DELETE ON posting_jobs
    FOR EACH ROW EXECUTE FUNCTION bb_events_notify('job', 'id', 'listing_id', 'platform',
                                                   'status', 'attempt', 'kind', 'posting_job_id');
