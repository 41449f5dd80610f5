-- The web console's sign-in sessions (console/sessions.ts). The browser holds a random
-- session id in an HttpOnly cookie; the store keeps only its SHA-256, the key it was
-- opened with (never the key itself) and the session's CSRF token. A revoked key ends
-- its sessions at once: every lookup joins api_keys and skips revoked keys.
CREATE TABLE IF NOT EXISTS console_sessions (
    id_hash     text PRIMARY KEY,
    key_id      bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS console_sessions_expires_at ON console_sessions (expires_at);
