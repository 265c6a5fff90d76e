-- 0001_init: the whole schema of DESIGN.md section 3.
-- Applied once by the api's migration runner (services/api/src/migrate.c) inside one
-- transaction; schema_migrations is created by the runner itself. Never edit an applied
-- migration: add 0002_*.sql instead (the runner refuses a changed checksum).

-- Trigram index support for the `q` filter (title ILIKE '%q%'); trusted since PG 13, so the
-- database owner may create it. Shipped in Debian's postgresql-15 package.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- updated_at maintenance shared by every table that has one.
CREATE FUNCTION bb_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

-- ---- listings -------------------------------------------------------------------------

CREATE TABLE listings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 255),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 10000),
    price_cents     bigint NOT NULL CHECK (price_cents > 0),
    -- the floor, never shown to buyers; NULL means the floor is the asking price
    min_price_cents bigint CHECK (min_price_cents BETWEEN 1 AND price_cents),
    currency        text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    flexibility     double precision NOT NULL DEFAULT 0.5 CHECK (flexibility BETWEEN 0 AND 1),
    seller_notes    text CHECK (char_length(seller_notes) <= 5000),
    condition       text NOT NULL DEFAULT 'good'
                    CHECK (condition IN ('new', 'like_new', 'good', 'fair')),
    category        text CHECK (char_length(category) <= 255),
    location        text CHECK (char_length(location) <= 255),
    status          text NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'sold', 'archived')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Lists are ordered newest first by id (the cursor); filters: status, q.
CREATE INDEX listings_status_id_idx ON listings (status, id DESC);
CREATE INDEX listings_created_at_idx ON listings (created_at DESC);
CREATE INDEX listings_title_trgm_idx ON listings USING gin (title gin_trgm_ops);
CREATE TRIGGER listings_touch BEFORE UPDATE ON listings
    FOR EACH ROW EXECUTE FUNCTION bb_touch_updated_at();

CREATE TABLE listing_images (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listing_id   bigint NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    position     integer NOT NULL DEFAULT 0 CHECK (position >= 0),
    stored_name  text NOT NULL UNIQUE CHECK (stored_name ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$'),
    thumb_name   text CHECK (thumb_name ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$'),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    width        integer NOT NULL CHECK (width > 0),
    height       integer NOT NULL CHECK (height > 0),
    bytes        bigint NOT NULL CHECK (bytes > 0),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX listing_images_listing_idx ON listing_images (listing_id, position, id);

-- ---- marketplace accounts ---------------------------------------------------------------

CREATE TABLE marketplace_accounts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform          text NOT NULL CHECK (platform ~ '^[a-z][a-z0-9_]{0,49}$'),
    label             text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 100),
    -- local browser profile directory, or a remote browser context id (Browserbase)
    browser_profile   text,
    remote_context_id text,
    login_state       text NOT NULL DEFAULT 'unknown'
                      CHECK (login_state IN ('unknown', 'logged_in', 'login_required')),
    -- desired state (set by POST /api/polling/start|stop) ...
    monitoring        boolean NOT NULL DEFAULT false,
    -- ... and the last monitor.status heartbeat
    monitor_running   boolean NOT NULL DEFAULT false,
    monitor_cycle     bigint NOT NULL DEFAULT 0,
    last_poll_at      timestamptz,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, label)
);
CREATE TRIGGER marketplace_accounts_touch BEFORE UPDATE ON marketplace_accounts
    FOR EACH ROW EXECUTE FUNCTION bb_touch_updated_at();

-- ---- posting ----------------------------------------------------------------------------

CREATE TABLE posting_jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listing_id    bigint NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    platform      text NOT NULL CHECK (platform ~ '^[a-z][a-z0-9_]{0,49}$'),
    account_id    bigint REFERENCES marketplace_accounts (id) ON DELETE SET NULL,
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'posting', 'posted', 'failed', 'delisted')),
    -- the attempt currently requested (1 at creation, +1 per retry)
    attempt       integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    max_attempts  integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    external_id   text,
    external_url  text,
    error_code    text,
    error_message text,
    scheduled_at  timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    completed_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (attempt <= max_attempts)
);
CREATE INDEX posting_jobs_status_id_idx ON posting_jobs (status, id DESC);
CREATE INDEX posting_jobs_listing_id_idx ON posting_jobs (listing_id, id DESC);
CREATE INDEX posting_jobs_created_at_idx ON posting_jobs (created_at DESC);
CREATE TRIGGER posting_jobs_touch BEFORE UPDATE ON posting_jobs
    FOR EACH ROW EXECUTE FUNCTION bb_touch_updated_at();

CREATE TABLE job_logs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id     bigint NOT NULL REFERENCES posting_jobs (id) ON DELETE CASCADE,
    attempt    integer NOT NULL DEFAULT 1,
    level      text NOT NULL DEFAULT 'info' CHECK (level IN ('debug', 'info', 'warning', 'error')),
    message    text NOT NULL,
    artifact   text, -- stored name of a screenshot under /uploads
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_logs_job_id_idx ON job_logs (job_id, id);

-- ---- conversations ----------------------------------------------------------------------

CREATE TABLE buyers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform        text NOT NULL CHECK (platform ~ '^[a-z][a-z0-9_]{0,49}$'),
    external_id     text NOT NULL,
    display_name    text NOT NULL,
    normalized_name text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, external_id)
);
CREATE INDEX buyers_normalized_name_idx ON buyers (normalized_name);

CREATE TABLE conversations (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          bigint NOT NULL REFERENCES marketplace_accounts (id) ON DELETE CASCADE,
    thread_external_id  text NOT NULL,
    thread_url          text,
    buyer_id            bigint REFERENCES buyers (id) ON DELETE SET NULL,
    listing_id          bigint REFERENCES listings (id) ON DELETE SET NULL, -- NULL until matched
    status              text NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'agreed', 'sold', 'closed', 'needs_attention')),
    auto_reply          boolean NOT NULL DEFAULT true,
    handoff_reason      text,
    agreed_price_cents  bigint CHECK (agreed_price_cents > 0),
    current_offer_cents bigint CHECK (current_offer_cents > 0),
    last_message_at     timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, thread_external_id)
);
CREATE INDEX conversations_status_idx ON conversations (status, id DESC);
CREATE INDEX conversations_listing_id_idx ON conversations (listing_id, id DESC);
CREATE INDEX conversations_last_message_at_idx ON conversations (last_message_at DESC NULLS LAST, id DESC);
CREATE INDEX conversations_buyer_id_idx ON conversations (buyer_id);
CREATE TRIGGER conversations_touch BEFORE UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION bb_touch_updated_at();

CREATE TABLE messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('buyer', 'seller', 'agent')),
    text            text NOT NULL,
    fingerprint     text NOT NULL,
    delivery        text NOT NULL DEFAULT 'received'
                    CHECK (delivery IN ('received', 'queued', 'sent', 'failed')),
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, fingerprint)
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id);

-- Global settings (listing_id NULL, at most one row) and per-listing overrides (NULL fields
-- fall back to the global row).
CREATE TABLE responder_settings (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listing_id           bigint UNIQUE REFERENCES listings (id) ON DELETE CASCADE,
    tone                 text CHECK (char_length(tone) <= 200),
    persona              text CHECK (char_length(persona) <= 2000),
    auto_reply           boolean,
    model                text CHECK (char_length(model) <= 200),
    business_hours_start time,
    business_hours_end   time,
    timezone             text,
    max_replies_per_hour integer CHECK (max_replies_per_hour >= 0),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX responder_settings_global_idx ON responder_settings ((true)) WHERE listing_id IS NULL;
CREATE TRIGGER responder_settings_touch BEFORE UPDATE ON responder_settings
    FOR EACH ROW EXECUTE FUNCTION bb_touch_updated_at();

-- ---- events -----------------------------------------------------------------------------

-- Transactional outbox: written in the same transaction as the change it announces,
-- published by the relay thread (services/api/src/outbox.c), marked on the delivery report.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL UNIQUE,
    topic           text NOT NULL,
    key             text NOT NULL,
    type            text NOT NULL,
    payload         text NOT NULL, -- the CloudEvents envelope, published byte for byte
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

CREATE FUNCTION bb_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', NEW.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION bb_outbox_notify();

-- Events the status consumer applied; inserted in the same transaction as the effect.
CREATE TABLE processed_events (
    event_id     text PRIMARY KEY, -- CloudEvents ids are strings; ours are UUIDs
    topic        text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
