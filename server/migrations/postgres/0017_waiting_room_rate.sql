-- How the waiting room lets buyers in (issue #15): buyers per minute, and at most this many in at
-- once. The defaults are what one origin on two cores sustains with room to spare
-- (docs/operations.md, "Measured").
ALTER TABLE events ADD COLUMN waiting_room_per_minute BIGINT NOT NULL DEFAULT 3000
    CHECK (waiting_room_per_minute BETWEEN 1 AND 1000000);
ALTER TABLE events ADD COLUMN waiting_room_max_active BIGINT NOT NULL DEFAULT 1000
    CHECK (waiting_room_max_active BETWEEN 1 AND 1000000);
