-- SQLite: the same shape as PostgreSQL's; timestamps RFC 3339 text.
-- Accounts that nobody gets around (issue 12): an account, or a membership, starts only when the
-- person who reads the address's mail opens the link sent there. Until then it is a row here.
-- Tokens are stored as their SHA-256 only, so a copy of these tables opens nothing.
-- (Numbered 0010, not 0003, so that migrations written beside it on other branches keep theirs.)

-- A sign-up waiting for its address to be confirmed; the account is made when the link is opened.
CREATE TABLE pending_signups (
    token_hash     TEXT PRIMARY KEY,
    -- Lower-cased, as users.email.
    email          TEXT NOT NULL,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    organisation   TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);
CREATE INDEX pending_signups_by_expiry ON pending_signups (expires_at);

-- An owner's invitation to an address; the membership starts when its owner accepts. One per
-- organisation and address: inviting again replaces the link (and the role).
CREATE TABLE invitations (
    id            INTEGER PRIMARY KEY,
    organiser_id  INTEGER NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    token_hash    TEXT NOT NULL UNIQUE,
    invited_by    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    UNIQUE (organiser_id, email)
);
CREATE INDEX invitations_by_expiry ON invitations (expires_at);

-- Secrets every origin must share (the key that signs the admin's sign-in CSRF cookie): made by
-- the first origin that needs one, read by all.
CREATE TABLE server_keys (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
