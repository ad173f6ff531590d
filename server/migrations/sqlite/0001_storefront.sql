-- The storefront's schema for the embedded default. Same shape and the same guards as PostgreSQL's:
-- the CHECK on ticket_types is what keeps stock honest. Timestamps are RFC 3339 text in UTC, which
-- sorts in time order.
CREATE TABLE organisers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    organiser_id  INTEGER NOT NULL REFERENCES organisers(id),
    slug          TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 100 AND slug NOT GLOB '*[^a-z0-9-]*' AND slug NOT GLOB '-*'),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    venue         TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    published     INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (ends_at >= starts_at)
);

CREATE TABLE ticket_types (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    price_minor     INTEGER NOT NULL CHECK (price_minor >= 0),
    capacity        INTEGER NOT NULL CHECK (capacity >= 0),
    sold            INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0),
    held            INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
    sale_starts_at  TEXT,
    sale_ends_at    TEXT,
    min_per_order   INTEGER NOT NULL DEFAULT 1 CHECK (min_per_order >= 1),
    max_per_order   INTEGER NOT NULL DEFAULT 10 CHECK (max_per_order >= min_per_order),
    position        INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT stock_within_capacity CHECK (sold + held <= capacity)
);
CREATE INDEX ticket_types_by_event ON ticket_types (event_id, position);

CREATE TABLE holds (
    id          BLOB PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id),
    status      TEXT NOT NULL CHECK (status IN ('active', 'expired', 'released', 'ordered')),
    expires_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    closed_at   TEXT
);
CREATE INDEX holds_live_by_expiry ON holds (expires_at) WHERE status = 'active';
CREATE INDEX holds_live_by_event ON holds (event_id, expires_at) WHERE status = 'active';

CREATE TABLE hold_items (
    hold_id           BLOB NOT NULL REFERENCES holds(id) ON DELETE CASCADE,
    ticket_type_id    INTEGER NOT NULL REFERENCES ticket_types(id),
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor  INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    PRIMARY KEY (hold_id, ticket_type_id)
);

CREATE TABLE orders (
    id               INTEGER PRIMARY KEY,
    reference        TEXT NOT NULL UNIQUE,
    access_token     TEXT NOT NULL UNIQUE,
    idempotency_key  TEXT NOT NULL UNIQUE,
    hold_id          BLOB NOT NULL UNIQUE REFERENCES holds(id),
    event_id         INTEGER NOT NULL REFERENCES events(id),
    buyer_name       TEXT NOT NULL,
    buyer_email      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('confirmed', 'awaiting_payment')),
    payment          TEXT NOT NULL CHECK (payment IN ('free', 'offline')),
    total_minor      INTEGER NOT NULL CHECK (total_minor >= 0),
    currency         TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX orders_by_event ON orders (event_id, created_at);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER NOT NULL REFERENCES orders(id),
    ticket_type_id  INTEGER NOT NULL REFERENCES ticket_types(id),
    code            TEXT NOT NULL UNIQUE,
    attendee_name   TEXT NOT NULL,
    attendee_email  TEXT NOT NULL,
    position        INTEGER NOT NULL
);
CREATE INDEX tickets_by_order ON tickets (order_id, position);
CREATE INDEX tickets_by_type ON tickets (ticket_type_id);
