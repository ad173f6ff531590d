-- Offline payment (at the door, by invoice) is each event's choice, off by default (issue #12):
-- NULL = not offered; N = offered, and an order not paid within N days is cancelled and its
-- tickets go back on sale.
ALTER TABLE events ADD COLUMN offline_payment_days INTEGER CHECK (offline_payment_days BETWEEN 1 AND 365);
-- When an unpaid order lapses: set when it is made, so a later change of the event's setting
-- does not move the deadline buyers were told.
ALTER TABLE orders ADD COLUMN pay_by TEXT;
CREATE INDEX orders_unpaid ON orders (pay_by) WHERE status = 'awaiting_payment' AND cancelled_at IS NULL;

-- Every change to an order after it was made, with its reason, written in the change's own
-- transaction: paid at the door, cancelled by an organiser, lapsed unpaid.
CREATE TABLE order_history (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    at          TEXT NOT NULL,
    change      TEXT NOT NULL CHECK (change IN ('paid', 'cancelled')),
    reason      TEXT NOT NULL,
    user_id     INTEGER REFERENCES users(id)
);
CREATE INDEX order_history_by_order ON order_history (order_id, at);
