-- The organisers' back office: accounts, organisations' members, sessions, and what organisers
-- configure (secret ticket types, discount codes, questions) or do (cancel, check in, export).
-- Orders are never deleted: a cancellation is a timestamp and a refund amount, and the stock it
-- returns goes back through the same CHECK-guarded counters as everything else.
CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    -- Lower-cased on the way in: one account per address however it is typed.
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    -- argon2id, PHC string format (algorithm, parameters and salt travel with the hash).
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    organiser_id  BIGINT NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organiser_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

-- Keyed by the SHA-256 of the cookie's session id, so a copy of this table signs nobody in.
CREATE TABLE admin_sessions (
    id_hash     TEXT PRIMARY KEY,
    record      TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX admin_sessions_by_expiry ON admin_sessions (expires_at);

-- NULL: on the storefront for everyone; otherwise shown and sold only to who gives this code.
ALTER TABLE ticket_types ADD COLUMN access_code TEXT;

CREATE TABLE discount_codes (
    id               BIGSERIAL PRIMARY KEY,
    event_id         BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    -- Upper-cased: codes are read out and typed on phones.
    code             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('percent', 'fixed')),
    -- percent: hundredths of a percent (1..10000); fixed: minor units off each ticket.
    amount           BIGINT NOT NULL CHECK (amount > 0),
    max_uses         BIGINT CHECK (max_uses IS NULL OR max_uses > 0),
    uses             BIGINT NOT NULL DEFAULT 0 CHECK (uses >= 0),
    expires_at       TIMESTAMPTZ,
    -- Comma-separated ticket type ids; empty: every type of the event.
    ticket_type_ids  TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    -- Like stock, uses are guarded where they change: never more orders than the code allows.
    CONSTRAINT discount_uses_within_limit CHECK (max_uses IS NULL OR uses <= max_uses),
    UNIQUE (event_id, code)
);

CREATE TABLE questions (
    id          BIGSERIAL PRIMARY KEY,
    event_id    BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('text', 'choice')),
    -- JSON array of strings, for 'choice'.
    options     TEXT NOT NULL DEFAULT '[]',
    required    BOOLEAN NOT NULL DEFAULT false,
    position    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX questions_by_event ON questions (event_id, position);

-- The question's label is copied, so answers stay readable after a question is edited or removed.
CREATE TABLE order_answers (
    order_id     BIGINT NOT NULL REFERENCES orders(id),
    question_id  BIGINT NOT NULL,
    label        TEXT NOT NULL,
    answer       TEXT NOT NULL,
    PRIMARY KEY (order_id, question_id)
);

ALTER TABLE orders ADD COLUMN discount_code_id BIGINT REFERENCES discount_codes(id);
ALTER TABLE orders ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0 CHECK (discount_minor >= 0);
ALTER TABLE orders ADD COLUMN cancelled_at TIMESTAMPTZ;
ALTER TABLE orders ADD COLUMN refunded_minor BIGINT NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0);
ALTER TABLE orders ADD COLUMN confirmation_sent_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN checked_in_at TIMESTAMPTZ;

-- Attendee exports, produced by a background worker: this table is also its queue.
CREATE TABLE exports (
    id           BIGSERIAL PRIMARY KEY,
    event_id     BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    done         BIGINT NOT NULL DEFAULT 0,
    total        BIGINT NOT NULL DEFAULT 0,
    csv          TEXT,
    error        TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX exports_queued ON exports (created_at) WHERE status = 'queued';

-- Emails waiting for the mailer (order confirmations, resent ones).
CREATE TABLE outbox_emails (
    id          BIGSERIAL PRIMARY KEY,
    order_id    BIGINT REFERENCES orders(id),
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);
CREATE INDEX outbox_unsent ON outbox_emails (created_at) WHERE sent_at IS NULL;
