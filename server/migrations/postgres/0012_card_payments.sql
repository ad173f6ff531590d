-- Card payments (issue #13). A card order is made only once its payment succeeded, from the
-- checkout the buyer sent when paying, in the transaction that settles the payment: so one payment
-- is at most one order, and a payment with no order is refunded (`refunds`) in the same
-- transaction that finds the stock gone.

-- Each organisation's own provider account. The secret key and the webhook secret are sealed
-- (server/src/payments/secrets.rs) and never sent back to a browser.
CREATE TABLE payment_accounts (
    organiser_id     BIGINT PRIMARY KEY REFERENCES organisers(id) ON DELETE CASCADE,
    provider         TEXT NOT NULL CHECK (provider IN ('stripe')),
    publishable_key  TEXT NOT NULL,
    secret_key       TEXT NOT NULL,
    webhook_secret   TEXT NOT NULL,
    live             BOOLEAN NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    updated_by       BIGINT REFERENCES users(id) ON DELETE SET NULL
);

-- One row per checkout attempt (hold and Idempotency-Key): its PaymentIntent, what the provider
-- last said, the checkout the order is made from, and how it was settled.
CREATE TABLE payments (
    id               BIGSERIAL PRIMARY KEY,
    hold_id          UUID NOT NULL REFERENCES holds(id),
    event_id         BIGINT NOT NULL REFERENCES events(id),
    organiser_id     BIGINT NOT NULL REFERENCES organisers(id),
    idempotency_key  TEXT NOT NULL,
    intent_id        TEXT UNIQUE,
    client_secret    TEXT,
    amount_minor     BIGINT NOT NULL CHECK (amount_minor > 0),
    currency         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('created', 'requires_action', 'processing', 'failed', 'canceled', 'succeeded')),
    -- NULL while nothing is decided; 'ordered' with order_id; 'refunded' when the money went back.
    settlement       TEXT CHECK (settlement IN ('ordered', 'refunded')),
    order_id         BIGINT UNIQUE REFERENCES orders(id),
    checkout         TEXT NOT NULL,
    message          TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (hold_id, idempotency_key),
    CHECK ((COALESCE(settlement, '') = 'ordered') = (order_id IS NOT NULL))
);
-- What the reconciliation worker looks at: attempts neither failed nor settled.
CREATE INDEX payments_unsettled ON payments (updated_at) WHERE settlement IS NULL AND status NOT IN ('failed', 'canceled');

-- Money going back: an organiser's refund (full or partial) or a payment whose stock was gone.
-- 'requested' is written before the provider is asked, so a crash in between is found and retried
-- by the reconciliation worker with the same idempotency key.
CREATE TABLE refunds (
    id            BIGSERIAL PRIMARY KEY,
    payment_id    BIGINT NOT NULL REFERENCES payments(id),
    order_id      BIGINT REFERENCES orders(id),
    provider_id   TEXT UNIQUE,
    amount_minor  BIGINT NOT NULL CHECK (amount_minor > 0),
    status        TEXT NOT NULL CHECK (status IN ('requested', 'pending', 'succeeded', 'failed')),
    reason        TEXT NOT NULL,
    requested_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX refunds_by_payment ON refunds (payment_id);
CREATE INDEX refunds_unfinished ON refunds (updated_at) WHERE status IN ('requested', 'pending');

-- Webhook events applied, by the provider's event id: a second delivery finds its row and is
-- acknowledged without being applied again.
CREATE TABLE payment_events (
    event_id      TEXT PRIMARY KEY,
    organiser_id  BIGINT NOT NULL REFERENCES organisers(id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL
);

-- Card orders exist only once paid.
ALTER TABLE orders DROP CONSTRAINT orders_payment_check;
ALTER TABLE orders ADD CONSTRAINT orders_payment_check CHECK (payment IN ('free', 'offline', 'card'));

-- order_history learns the refund.
ALTER TABLE order_history DROP CONSTRAINT order_history_change_check;
ALTER TABLE order_history ADD CONSTRAINT order_history_change_check CHECK (change IN ('paid', 'cancelled', 'refunded'));
