-- Login, sessions and API tokens (issue 11). Only hashes are stored: the owner's password as
-- argon2id (libsodium crypto_pwhash_str), sessions, tokens and setup links as the hex SHA-256
-- of their 256-bit random value (a hash of a random secret needs no slow KDF).

-- The one owner account. password_hash NULL: not set yet (first run: setup link or
-- `byebuy-api owner set-password`); bearer tokens work before a password is set.
CREATE TABLE auth_owner (
    id              int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    password_hash   text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    password_set_at timestamptz
);

CREATE TABLE auth_sessions (
    id           bigserial PRIMARY KEY,
    token_hash   text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX auth_sessions_expires ON auth_sessions (expires_at);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   text NOT NULL UNIQUE,
    prefix       text NOT NULL, -- the token's first characters, to recognise it in a list
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- One-time links that let the first visitor set the owner's password.
CREATE TABLE auth_setup_tokens (
    token_hash text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
