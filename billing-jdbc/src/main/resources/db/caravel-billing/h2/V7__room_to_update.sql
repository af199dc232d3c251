-- V7: PostgreSQL's page fill factor, which H2 has no equivalent of. The version is recorded all the
-- same, so both dialects' schemas stay at one version number.
SELECT 1;
