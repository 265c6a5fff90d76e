-- 0061_renew_jobs: renew a stale posting instead of deleting and re-posting it (issue 13;
-- shared/reference/facebook-markup.md §2.2: "Renew listing" on the card, possible every 7 days
-- [S5], at most 5 times [S4]). A renew is a job of its own like a delist or an update
-- (kind 'renew', posting_job_id = the post job), with its own attempts, logs and retry; its
-- post job records when it was last renewed and how often.

ALTER TABLE posting_jobs DROP CONSTRAINT posting_jobs_kind_check;
ALTER TABLE posting_jobs ADD CONSTRAINT posting_jobs_kind_check
    CHECK (kind IN ('post', 'delist', 'update', 'renew'));
ALTER TABLE posting_jobs
    ADD COLUMN renewed_at timestamptz,
    ADD COLUMN renew_count integer NOT NULL DEFAULT 0 CHECK (renew_count >= 0);

-- At most one renew on its way per posting: the api's sweep and a seller's click never
-- request two.
CREATE UNIQUE INDEX posting_jobs_one_open_renew_idx ON posting_jobs (posting_job_id)
    WHERE kind = 'renew' AND status IN ('pending', 'running');

ALTER TABLE job_slots DROP CONSTRAINT job_slots_kind_check;
ALTER TABLE job_slots ADD CONSTRAINT job_slots_kind_check
    CHECK (kind IN ('post', 'delist', 'update', 'renew'));

-- Pacing gains the renews' daily cap and when a posting is renewed on its own:
-- renew_after_days: days after the posting (or its last renew); 0 = never. NULL inherits.
ALTER TABLE job_pacing
    ADD COLUMN renews_per_day   integer CHECK (renews_per_day BETWEEN 0 AND 100000),
    ADD COLUMN renew_after_days integer CHECK (renew_after_days BETWEEN 0 AND 365);
