-- The same schema as migrations/postgres, in SQLite's dialect. Timestamps are RFC 3339 text in UTC.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL CHECK (length(email) <= 254 AND email = lower(email)),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE pads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (length(name) <= 100),
    created_at TEXT NOT NULL,
    CONSTRAINT pads_id_user_key UNIQUE (id, user_id)
);
CREATE INDEX pads_user_name_idx ON pads (user_id, lower(name));

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pad_id     INTEGER,
    name       TEXT NOT NULL CHECK (length(name) <= 100),
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT notes_pad_owner_fkey FOREIGN KEY (pad_id, user_id) REFERENCES pads (id, user_id) ON DELETE CASCADE
);
CREATE INDEX notes_user_updated_idx ON notes (user_id, updated_at DESC, id DESC);
CREATE INDEX notes_user_name_idx ON notes (user_id, lower(name), id);
CREATE INDEX notes_pad_updated_idx ON notes (pad_id, updated_at DESC, id DESC) WHERE pad_id IS NOT NULL;
CREATE INDEX notes_pad_name_idx ON notes (pad_id, lower(name), id) WHERE pad_id IS NOT NULL;

CREATE TABLE password_resets (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE TABLE signin_failures (
    email             TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at TEXT NOT NULL
);
