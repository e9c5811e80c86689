DROP INDEX cases_created;
