-- 0005_conversation_engine: what the api's conversation engine (services/api/src/domain/
-- inbound.c, reply.c, delivery.c, conversation.c) needs beyond 0001's tables.

-- A message we send has no fingerprint until the monitor has seen its bubble (message.sent
-- carries it, or a re-read of the thread matches it by text). UNIQUE (conversation_id,
-- fingerprint) still dedupes every message that has one (NULLs are distinct).
ALTER TABLE messages ALTER COLUMN fingerprint DROP NOT NULL;
-- message.send attempts of a queued message (the first send counts 1) and the monitor's
-- last reason when it failed.
ALTER TABLE messages ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE messages ADD COLUMN last_error text;
-- Our queued messages are matched against a re-read thread by text.
CREATE INDEX messages_unfingerprinted_idx ON messages (conversation_id)
    WHERE fingerprint IS NULL;

-- The one reply request of a conversation that is waiting for its draft: a draft for any
-- other request is stale (a newer buyer message asked again) and is dropped. A request left
-- unanswered too long is swept into needs_attention (domain/reply.c reply_sweep).
ALTER TABLE conversations ADD COLUMN reply_request_id text;
ALTER TABLE conversations ADD COLUMN reply_requested_at timestamptz;
CREATE INDEX conversations_reply_pending_idx ON conversations (reply_requested_at)
    WHERE reply_request_id IS NOT NULL;
-- The lists filter by needs_attention through status; by account for the accounts page.
CREATE INDEX conversations_account_idx ON conversations (account_id, id DESC);

-- Item links of posted listings are matched against a thread's listing hint.
CREATE INDEX posting_jobs_external_url_idx ON posting_jobs (external_url)
    WHERE external_url IS NOT NULL;
CREATE INDEX posting_jobs_external_id_idx ON posting_jobs (platform, external_id)
    WHERE external_id IS NOT NULL;
