-- API bearer tokens: only a SHA-256 of each token is stored. A token carries a fingerprint of the
-- password hash it was issued under, so any password change (settings page, reset link or API)
-- revokes it without every writer having to remember to.
CREATE TABLE api_tokens (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id              BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash           BYTEA NOT NULL,
    password_fingerprint TEXT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    expires_at           TIMESTAMPTZ NOT NULL,
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Optimistic concurrency (ETag / If-Match): every write of a pad or note bumps its version, whoever
-- writes it (pages or API), because the database does it.
ALTER TABLE pads ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE notes ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE FUNCTION notejam_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER pads_bump_version BEFORE UPDATE ON pads
    FOR EACH ROW EXECUTE FUNCTION notejam_bump_version();
CREATE TRIGGER notes_bump_version BEFORE UPDATE ON notes
    FOR EACH ROW EXECUTE FUNCTION notejam_bump_version();
