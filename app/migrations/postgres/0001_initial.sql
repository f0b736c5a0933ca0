-- Users, pads and notes. Emails are stored lower-case; the unique index makes "taken" race-free.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         VARCHAR(254) NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);

CREATE TABLE pads (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       VARCHAR(100) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- Lets notes reference (pad, owner) so a note's pad always belongs to the note's owner.
    CONSTRAINT pads_id_user_key UNIQUE (id, user_id)
);
CREATE INDEX pads_user_name_idx ON pads (user_id, lower(name));

CREATE TABLE notes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pad_id     BIGINT,
    name       VARCHAR(100) NOT NULL,
    text       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT notes_pad_owner_fkey FOREIGN KEY (pad_id, user_id) REFERENCES pads (id, user_id) ON DELETE CASCADE
);
-- The list queries: all my notes, or one pad's, by date or by name.
CREATE INDEX notes_user_updated_idx ON notes (user_id, updated_at DESC, id DESC);
CREATE INDEX notes_user_name_idx ON notes (user_id, lower(name), id);
CREATE INDEX notes_pad_updated_idx ON notes (pad_id, updated_at DESC, id DESC) WHERE pad_id IS NOT NULL;
CREATE INDEX notes_pad_name_idx ON notes (pad_id, lower(name), id) WHERE pad_id IS NOT NULL;

-- One-time password-reset links: only a SHA-256 of the token is stored.
CREATE TABLE password_resets (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Failed sign-ins per email (known or not), shared by every replica.
CREATE TABLE signin_failures (
    email             VARCHAR(254) PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at TIMESTAMPTZ NOT NULL
);
