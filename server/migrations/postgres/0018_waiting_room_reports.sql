-- What each event's waiting room last reported (issue #15): the edge's room sends it every few
-- seconds while it is asked, and the organiser sees it in the admin. One row per event, replaced
-- by each report; admitted_per_minute is measured between the last two.
CREATE TABLE waiting_room_reports (
    event_id               BIGINT PRIMARY KEY REFERENCES events(id),
    in_queue               BIGINT NOT NULL,
    admitted               BIGINT NOT NULL,
    active                 BIGINT NOT NULL,
    estimated_wait_seconds BIGINT NOT NULL,
    per_minute_now         BIGINT NOT NULL,
    sold_out               BOOLEAN NOT NULL,
    admitted_per_minute    BIGINT NOT NULL,
    reported_at            TIMESTAMPTZ NOT NULL
);
