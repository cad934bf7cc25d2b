-- Retention (notifications/retention.py) finds old inbox entries and read marks by age.
CREATE INDEX notifications_created_at ON notifications USING brin (created_at);
CREATE INDEX read_marks_created_at ON read_marks USING brin (created_at);
