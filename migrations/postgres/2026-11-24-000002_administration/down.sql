DROP INDEX audit_records_actor;
DROP INDEX organisations_created;
DROP INDEX users_api_key;
DROP TABLE organisation_links;
