-- The waiting room at the edge (issue #15), per event, off by default. While it is on, the origin
-- takes holds only from buyers the room admitted: each hold carries the admission token's place in
-- the queue, and one place keeps one live hold at a time.
ALTER TABLE events ADD COLUMN waiting_room BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE holds ADD COLUMN admission_id TEXT;
CREATE INDEX holds_by_admission ON holds (admission_id) WHERE admission_id IS NOT NULL AND status = 'active';
