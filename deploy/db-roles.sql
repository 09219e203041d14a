-- ysqgk: the database and its two roles. Run once, as a superuser:
--   runuser -u postgres -- psql -v ON_ERROR_STOP=1 -f /usr/local/share/ysqgk/db/roles.sql
-- Running it again changes nothing. psql variables (-v NAME=VALUE) choose the
-- names: db (ysqgk), owner (ysqgk_owner), app (ysqgk).
--
-- owner: owns the database and every object in it; runs the migrations. It
--        cannot log in: ysqgk-migrate becomes it with SET ROLE, so no
--        password for it exists anywhere.
-- app:   what `ysqgk serve` connects as: rows only (db/grants.sql), never
--        the schema; it owns nothing, so it cannot disable the append-only
--        triggers either.

\if :{?db}
\else
\set db ysqgk
\endif
\if :{?owner}
\else
\set owner ysqgk_owner
\endif
\if :{?app}
\else
\set app ysqgk
\endif

SELECT format('CREATE ROLE %I NOLOGIN', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', :'app')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L LC_COLLATE %L LC_CTYPE %L TEMPLATE template0',
	      :'db', :'owner', 'UTF8', 'C.UTF-8', 'C.UTF-8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec

-- Only the two roles reach the database (PUBLIC may otherwise connect and
-- create temporary tables).
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"owner";
