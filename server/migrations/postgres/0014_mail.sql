-- Email that reaches people (issue #14): the outbox keeps each email until the relay takes it.
-- kind: 'text' (the body is the email) or 'order_confirmation' (made when sent, from the order as
-- it is then, with its tickets as a PDF and the event as an .ics).
ALTER TABLE outbox_emails ADD COLUMN kind TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'order_confirmation'));
-- Failed tries, the relay's words about the last one, and when to try again (NULL: now). A
-- mailer that takes an email leases it by moving next_attempt_at on, so that another origin's
-- mailer leaves it alone meanwhile.
ALTER TABLE outbox_emails ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox_emails ADD COLUMN last_error TEXT;
ALTER TABLE outbox_emails ADD COLUMN next_attempt_at TIMESTAMPTZ;
-- Given up on after its tries: shown on the order's page in the admin, to resend.
ALTER TABLE outbox_emails ADD COLUMN failed_at TIMESTAMPTZ;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_due ON outbox_emails (id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_by_order ON outbox_emails (order_id) WHERE order_id IS NOT NULL;
