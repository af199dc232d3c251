-- The host application's own first script, in Spring's default Flyway location: the starter's
-- tests run it beside billing's, on H2 and PostgreSQL alike.
CREATE TABLE host_account (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL);
INSERT INTO host_account (id, name) VALUES (1, 'first customer');
