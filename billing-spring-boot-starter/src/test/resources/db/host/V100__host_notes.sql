-- A host's script that lived beside billing's in one Flyway history under the earlier layout
-- (spring.flyway.locations=classpath:db/migration/{vendor},classpath:db/host).
CREATE TABLE host_note (id BIGINT PRIMARY KEY, text VARCHAR(200) NOT NULL);
