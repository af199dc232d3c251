-- A host's own script, beside billing's in one Flyway history (the earlier layout allowed it).
CREATE TABLE host_account (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL);
