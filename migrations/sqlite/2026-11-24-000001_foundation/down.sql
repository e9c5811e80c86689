DROP TABLE login_failures;
DROP TABLE audit_records;
DROP TABLE sessions;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE profiles;
DROP TABLE organisations;
DROP TABLE settings;
