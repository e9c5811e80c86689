ALTER TABLE shares DROP COLUMN origin;
DROP TABLE auto_share_rules;
