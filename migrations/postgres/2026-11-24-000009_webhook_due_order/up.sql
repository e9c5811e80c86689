-- The outbox is claimed in the order of this index (most overdue first), so a
-- claim reads `limit` entries whatever the backlog; ordering by id alone
-- sorted every due delivery while holding the write lock.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at, id);
