-- The storefront's schema. Stock lives on ticket_types as counters (sold, held) guarded by a CHECK:
-- whatever the application does, the database refuses to sell more than capacity.
CREATE TABLE organisers (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE events (
    id            BIGSERIAL PRIMARY KEY,
    organiser_id  BIGINT NOT NULL REFERENCES organisers(id),
    slug          TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    venue         TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    starts_at     TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ NOT NULL,
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    published     BOOLEAN NOT NULL DEFAULT false,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (ends_at >= starts_at)
);

CREATE TABLE ticket_types (
    id              BIGSERIAL PRIMARY KEY,
    event_id        BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    price_minor     BIGINT NOT NULL CHECK (price_minor >= 0),
    capacity        BIGINT NOT NULL CHECK (capacity >= 0),
    sold            BIGINT NOT NULL DEFAULT 0 CHECK (sold >= 0),
    held            BIGINT NOT NULL DEFAULT 0 CHECK (held >= 0),
    sale_starts_at  TIMESTAMPTZ,
    sale_ends_at    TIMESTAMPTZ,
    min_per_order   BIGINT NOT NULL DEFAULT 1 CHECK (min_per_order >= 1),
    max_per_order   BIGINT NOT NULL DEFAULT 10 CHECK (max_per_order >= min_per_order),
    position        BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT stock_within_capacity CHECK (sold + held <= capacity)
);
CREATE INDEX ticket_types_by_event ON ticket_types (event_id, position);

CREATE TABLE holds (
    id          UUID PRIMARY KEY,
    event_id    BIGINT NOT NULL REFERENCES events(id),
    status      TEXT NOT NULL CHECK (status IN ('active', 'expired', 'released', 'ordered')),
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    closed_at   TIMESTAMPTZ
);
-- The reaper and the check-on-read look only at live holds.
CREATE INDEX holds_live_by_expiry ON holds (expires_at) WHERE status = 'active';
CREATE INDEX holds_live_by_event ON holds (event_id, expires_at) WHERE status = 'active';

CREATE TABLE hold_items (
    hold_id           UUID NOT NULL REFERENCES holds(id) ON DELETE CASCADE,
    ticket_type_id    BIGINT NOT NULL REFERENCES ticket_types(id),
    quantity          BIGINT NOT NULL CHECK (quantity > 0),
    unit_price_minor  BIGINT NOT NULL CHECK (unit_price_minor >= 0),
    PRIMARY KEY (hold_id, ticket_type_id)
);

CREATE TABLE orders (
    id               BIGSERIAL PRIMARY KEY,
    reference        TEXT NOT NULL UNIQUE,
    access_token     TEXT NOT NULL UNIQUE,
    idempotency_key  TEXT NOT NULL UNIQUE,
    hold_id          UUID NOT NULL UNIQUE REFERENCES holds(id),
    event_id         BIGINT NOT NULL REFERENCES events(id),
    buyer_name       TEXT NOT NULL,
    buyer_email      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('confirmed', 'awaiting_payment')),
    payment          TEXT NOT NULL CHECK (payment IN ('free', 'offline')),
    total_minor      BIGINT NOT NULL CHECK (total_minor >= 0),
    currency         TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_by_event ON orders (event_id, created_at);

CREATE TABLE tickets (
    id              BIGSERIAL PRIMARY KEY,
    order_id        BIGINT NOT NULL REFERENCES orders(id),
    ticket_type_id  BIGINT NOT NULL REFERENCES ticket_types(id),
    code            TEXT NOT NULL UNIQUE,
    attendee_name   TEXT NOT NULL,
    attendee_email  TEXT NOT NULL,
    position        BIGINT NOT NULL
);
CREATE INDEX tickets_by_order ON tickets (order_id, position);
CREATE INDEX tickets_by_type ON tickets (ticket_type_id);
