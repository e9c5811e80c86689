-- The API's most common sort (_createdAt), and the order PostgreSQL can walk
-- for an organisation that sees a large part of the cases, stopping after a page.
CREATE INDEX cases_created ON cases (created_at, id);
