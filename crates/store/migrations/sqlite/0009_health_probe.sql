-- A row the readiness check rewrites while the SQLite writer is failing (disk full, I/O
-- error), so readiness comes back by itself once a write succeeds again.
CREATE TABLE health_probe (id BIGINT PRIMARY KEY, at BIGINT NOT NULL);
INSERT INTO health_probe (id, at) VALUES (1, 0);
