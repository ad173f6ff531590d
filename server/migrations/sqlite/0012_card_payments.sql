-- (SQLite cannot change a CHECK constraint, so `orders` and `order_history` are rebuilt below, in
-- the migration's one transaction, where foreign keys cannot be switched off: their checks are
-- deferred to the commit, the old rows are copied aside, the table is dropped and made again under
-- its own name, and the rows put back, which satisfies every reference to them again.)
-- Card payments (issue #13). A card order is made only once its payment succeeded, from the
-- checkout the buyer sent when paying, in the transaction that settles the payment: so one payment
-- is at most one order, and a payment with no order is refunded (`refunds`) in the same
-- transaction that finds the stock gone.

-- Each organisation's own provider account. The secret key and the webhook secret are sealed
-- (server/src/payments/secrets.rs) and never sent back to a browser.
CREATE TABLE payment_accounts (
    organiser_id     INTEGER PRIMARY KEY REFERENCES organisers(id) ON DELETE CASCADE,
    provider         TEXT NOT NULL CHECK (provider IN ('stripe')),
    publishable_key  TEXT NOT NULL,
    secret_key       TEXT NOT NULL,
    webhook_secret   TEXT NOT NULL,
    live             INTEGER NOT NULL,
    updated_at       TEXT NOT NULL,
    updated_by       INTEGER REFERENCES users(id) ON DELETE SET NULL
);

-- One row per checkout attempt (hold and Idempotency-Key): its PaymentIntent, what the provider
-- last said, the checkout the order is made from, and how it was settled.
CREATE TABLE payments (
    id               INTEGER PRIMARY KEY,
    hold_id          BLOB NOT NULL REFERENCES holds(id),
    event_id         INTEGER NOT NULL REFERENCES events(id),
    organiser_id     INTEGER NOT NULL REFERENCES organisers(id),
    idempotency_key  TEXT NOT NULL,
    intent_id        TEXT UNIQUE,
    client_secret    TEXT,
    amount_minor     INTEGER NOT NULL CHECK (amount_minor > 0),
    currency         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('created', 'requires_action', 'processing', 'failed', 'canceled', 'succeeded')),
    -- NULL while nothing is decided; 'ordered' with order_id; 'refunded' when the money went back.
    settlement       TEXT CHECK (settlement IN ('ordered', 'refunded')),
    order_id         INTEGER UNIQUE REFERENCES orders(id),
    checkout         TEXT NOT NULL,
    message          TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (hold_id, idempotency_key),
    CHECK ((COALESCE(settlement, '') = 'ordered') = (order_id IS NOT NULL))
);
-- What the reconciliation worker looks at: attempts neither failed nor settled.
CREATE INDEX payments_unsettled ON payments (updated_at) WHERE settlement IS NULL AND status NOT IN ('failed', 'canceled');

-- Money going back: an organiser's refund (full or partial) or a payment whose stock was gone.
-- 'requested' is written before the provider is asked, so a crash in between is found and retried
-- by the reconciliation worker with the same idempotency key.
CREATE TABLE refunds (
    id            INTEGER PRIMARY KEY,
    payment_id    INTEGER NOT NULL REFERENCES payments(id),
    order_id      INTEGER REFERENCES orders(id),
    provider_id   TEXT UNIQUE,
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    status        TEXT NOT NULL CHECK (status IN ('requested', 'pending', 'succeeded', 'failed')),
    reason        TEXT NOT NULL,
    requested_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX refunds_by_payment ON refunds (payment_id);
CREATE INDEX refunds_unfinished ON refunds (updated_at) WHERE status IN ('requested', 'pending');

-- Webhook events applied, by the provider's event id: a second delivery finds its row and is
-- acknowledged without being applied again.
CREATE TABLE payment_events (
    event_id      TEXT PRIMARY KEY,
    organiser_id  INTEGER NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    received_at   TEXT NOT NULL
);

-- Card orders exist only once paid.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE orders_old AS SELECT * FROM orders;
DROP TABLE orders;
CREATE TABLE orders (
    id                    INTEGER PRIMARY KEY,
    reference             TEXT NOT NULL UNIQUE,
    access_token          TEXT NOT NULL UNIQUE,
    idempotency_key       TEXT NOT NULL UNIQUE,
    hold_id               BLOB NOT NULL UNIQUE REFERENCES holds(id),
    event_id              INTEGER NOT NULL REFERENCES events(id),
    buyer_name            TEXT NOT NULL,
    buyer_email           TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('confirmed', 'awaiting_payment')),
    payment               TEXT NOT NULL CHECK (payment IN ('free', 'offline', 'card')),
    total_minor           INTEGER NOT NULL CHECK (total_minor >= 0),
    currency              TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    discount_code_id      INTEGER REFERENCES discount_codes(id),
    discount_minor        INTEGER NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    cancelled_at          TEXT,
    refunded_minor        INTEGER NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    confirmation_sent_at  TEXT,
    pay_by                TEXT
);
INSERT INTO orders (id, reference, access_token, idempotency_key, hold_id, event_id, buyer_name, buyer_email, status, payment,
    total_minor, currency, created_at, discount_code_id, discount_minor, cancelled_at, refunded_minor, confirmation_sent_at, pay_by)
SELECT id, reference, access_token, idempotency_key, hold_id, event_id, buyer_name, buyer_email, status, payment,
    total_minor, currency, created_at, discount_code_id, discount_minor, cancelled_at, refunded_minor, confirmation_sent_at, pay_by
FROM orders_old;
DROP TABLE orders_old;
CREATE INDEX orders_by_event ON orders (event_id, created_at);
CREATE INDEX orders_unpaid ON orders (pay_by) WHERE status = 'awaiting_payment' AND cancelled_at IS NULL;

-- order_history learns the refund.
CREATE TABLE order_history_old AS SELECT * FROM order_history;
DROP TABLE order_history;
CREATE TABLE order_history (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    at          TEXT NOT NULL,
    change      TEXT NOT NULL CHECK (change IN ('paid', 'cancelled', 'refunded')),
    reason      TEXT NOT NULL,
    user_id     INTEGER REFERENCES users(id)
);
INSERT INTO order_history (id, order_id, at, change, reason, user_id) SELECT id, order_id, at, change, reason, user_id FROM order_history_old;
DROP TABLE order_history_old;
CREATE INDEX order_history_by_order ON order_history (order_id, at);
