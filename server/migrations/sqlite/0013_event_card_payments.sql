-- Card payments are each event's choice too (issue #13): on by default, so an organisation that
-- connects Stripe takes cards for its paid events; off for an event sold only at the door.
ALTER TABLE events ADD COLUMN card_payments BOOLEAN NOT NULL DEFAULT TRUE;
