-- The waiting list (issue #14), per ticket type, in the order people joined. Stock that comes
-- back (an expired or released hold, a cancelled order, a raised capacity) goes to the head of
-- the list in the transaction that returns it: a hold kept for them for the event's offer time,
-- emailed by the offer worker. While anyone waits for a type, the public cannot hold it.
ALTER TABLE events ADD COLUMN waiting_list BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE events ADD COLUMN waiting_list_offer_minutes BIGINT NOT NULL DEFAULT 240
    CHECK (waiting_list_offer_minutes BETWEEN 5 AND 10080);
CREATE TABLE waiting_list_entries (
    id               BIGSERIAL PRIMARY KEY,
    event_id         BIGINT NOT NULL REFERENCES events(id),
    ticket_type_id   BIGINT NOT NULL REFERENCES ticket_types(id),
    name             TEXT NOT NULL,
    -- Lower case: joining twice with the same address is one entry.
    email            TEXT NOT NULL,
    quantity         BIGINT NOT NULL CHECK (quantity > 0),
    -- offered: hold_id names the hold kept for them; whether it was claimed or lapsed is the
    -- hold's status (ordered, or expired / released).
    state            TEXT NOT NULL CHECK (state IN ('waiting', 'offered', 'removed')),
    hold_id          UUID REFERENCES holds(id),
    joined_at        TIMESTAMPTZ NOT NULL,
    offered_at       TIMESTAMPTZ,
    offer_emailed_at TIMESTAMPTZ,
    removed_at       TIMESTAMPTZ
);
CREATE UNIQUE INDEX waiting_list_once ON waiting_list_entries (ticket_type_id, email) WHERE state = 'waiting';
CREATE INDEX waiting_list_queue ON waiting_list_entries (ticket_type_id, id) WHERE state = 'waiting';
CREATE INDEX waiting_list_unemailed ON waiting_list_entries (id) WHERE state = 'offered' AND offer_emailed_at IS NULL;
CREATE INDEX waiting_list_by_event ON waiting_list_entries (event_id, id);
