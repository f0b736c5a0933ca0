-- The same as migrations/postgres/0002 in SQLite's dialect.
CREATE TABLE api_tokens (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id              INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash           BLOB NOT NULL,
    password_fingerprint TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    expires_at           TEXT NOT NULL,
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

ALTER TABLE pads ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE notes ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- AFTER triggers that only touch `version`, which is not in their column list, so they do not recurse.
CREATE TRIGGER pads_bump_version AFTER UPDATE OF user_id, name ON pads
BEGIN
    UPDATE pads SET version = OLD.version + 1 WHERE id = OLD.id;
END;
CREATE TRIGGER notes_bump_version AFTER UPDATE OF user_id, pad_id, name, text, updated_at ON notes
BEGIN
    UPDATE notes SET version = OLD.version + 1 WHERE id = OLD.id;
END;
