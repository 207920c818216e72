/**
 * Redshift's catalogue, emulated inside PostgreSQL.
 *
 * What PostgreSQL already has stays PostgreSQL's own: users (LOGIN roles), groups, ordinary grants,
 * default privileges, has_*_privilege and the pg_* catalogue. What Redshift has and PostgreSQL lacks
 * is modelled with PostgreSQL objects so that it is shared across databases like in Redshift:
 *
 * - RBAC roles (r_CREATE_ROLE) are NOLOGIN PostgreSQL roles whose shared comment reads
 *   `redshift:role:<owner>`; groups (r_CREATE_GROUP) are NOLOGIN roles with `redshift:group`. Users
 *   have no comment. Role and group membership is PostgreSQL's own (GRANT r TO u), so privileges flow
 *   through any depth of role chain exactly as PostgreSQL computes them (t_role_hierarchy).
 * - Each system privilege (r_GRANT, "System permissions") is a NOLOGIN role named
 *   `sysprv:<PRIVILEGE>`; GRANT <privilege> TO ROLE r makes r a member of it. Holding it through a
 *   role chain is then pg_has_role(user, 'sysprv:...', 'MEMBER').
 * - The default roles sys:monitor, sys:operator, sys:dba, sys:superuser, sys:secadmin (r_roles-default)
 *   are roles holding their documented system privileges; sys:dba inherits sys:operator.
 * - Languages exfunc, plpythonu and mlfunc exist in every database, without USAGE for PUBLIC on exfunc
 *   (r_CREATE_EXTERNAL_FUNCTION: USAGE ON LANGUAGE exfunc must be granted).
 * - Scoped permissions (t_scoped-permissions): FOR ... IN SCHEMA are rows of pg_catalog.rs_scoped_permissions
 *   in that database; FOR ... IN DATABASE d are a JSON list in d's (shared) comment, because
 *   SVV_DATABASE_PRIVILEGES lists every database's from any database. TABLES scopes are also enforced:
 *   the grants they imply are made on current and future relations (rs_apply_scopes, an event trigger)
 *   and kept out of SVV_RELATION_PRIVILEGES, so has_table_privilege honours them.
 * - SYSLOG ACCESS UNRESTRICTED (r_CREATE_USER, r_ALTER_USER) is membership of the role `syslog:unrestricted`.
 * - The svv_* views live in pg_catalog, as in Redshift, so they resolve unqualified from any search_path.
 *
 * Every svv view applies the documented visibility (c_visibility-of-data): superusers and holders of
 * ACCESS SYSTEM TABLE see every row; other users see only rows of identities they are, hold, or own.
 */

/** Redshift's system privileges (r_GRANT, "System permissions for RBAC"). */
export const SYSTEM_PRIVILEGES = [
  'CREATE USER', 'ALTER USER', 'DROP USER', 'CREATE SCHEMA', 'DROP SCHEMA', 'ALTER DEFAULT PRIVILEGES', 'ACCESS CATALOG',
  'ACCESS SYSTEM TABLE', 'CREATE TABLE', 'ALTER TABLE', 'DROP TABLE', 'CREATE OR REPLACE FUNCTION',
  'CREATE OR REPLACE EXTERNAL FUNCTION', 'DROP FUNCTION', 'CREATE OR REPLACE PROCEDURE', 'DROP PROCEDURE',
  'CREATE OR REPLACE VIEW', 'DROP VIEW', 'CREATE MODEL', 'DROP MODEL', 'CREATE DATASHARE', 'ALTER DATASHARE',
  'DROP DATASHARE', 'CREATE LIBRARY', 'DROP LIBRARY', 'CREATE ROLE', 'DROP ROLE', 'TRUNCATE TABLE', 'VACUUM', 'ANALYZE',
  'CANCEL', 'IGNORE RLS', 'EXPLAIN RLS', 'EXPLAIN MASKING'
] as const

/** r_roles-default: the system-defined roles and the system privileges each holds. */
export const DEFAULT_ROLES: Record<string, { privileges: readonly string[]; inherits?: string }> = {
  'sys:monitor': { privileges: ['ACCESS CATALOG', 'ACCESS SYSTEM TABLE'] },
  'sys:operator': { privileges: ['ACCESS CATALOG', 'ACCESS SYSTEM TABLE', 'ANALYZE', 'VACUUM', 'CANCEL'] },
  'sys:dba': {
    privileges: [
      'CREATE SCHEMA', 'CREATE TABLE', 'DROP SCHEMA', 'DROP TABLE', 'TRUNCATE TABLE', 'CREATE OR REPLACE PROCEDURE',
      'DROP PROCEDURE', 'CREATE OR REPLACE FUNCTION', 'CREATE OR REPLACE EXTERNAL FUNCTION', 'CREATE OR REPLACE VIEW', 'DROP VIEW'
    ],
    inherits: 'sys:operator'
  },
  'sys:superuser': { privileges: SYSTEM_PRIVILEGES },
  'sys:secadmin': {
    privileges: ['CREATE USER', 'ALTER USER', 'DROP USER', 'CREATE ROLE', 'DROP ROLE', 'IGNORE RLS', 'EXPLAIN RLS', 'EXPLAIN MASKING']
  }
}

export const SYSPRV_PREFIX = 'sysprv:'
export const ROLE_COMMENT = 'redshift:role:'
export const GROUP_COMMENT = 'redshift:group'
export const SYSPRV_COMMENT = 'redshift:system-privilege'
/** Users with SYSLOG ACCESS UNRESTRICTED are members of this role (c_visibility-of-data). */
export const SYSLOG_UNRESTRICTED_ROLE = 'syslog:unrestricted'

export const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`
export const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`

/** Cluster-wide objects (roles live in pg_authid, shared by all databases). Run once per reset. */
export function globalSetupSql(): string[] {
  const out: string[] = [
    `CREATE ROLE ${quoteIdent(SYSLOG_UNRESTRICTED_ROLE)} NOLOGIN`,
    `COMMENT ON ROLE ${quoteIdent(SYSLOG_UNRESTRICTED_ROLE)} IS 'redshift:syslog'`
  ]
  for (const p of SYSTEM_PRIVILEGES) {
    out.push(`CREATE ROLE ${quoteIdent(SYSPRV_PREFIX + p)} NOLOGIN`)
    out.push(`COMMENT ON ROLE ${quoteIdent(SYSPRV_PREFIX + p)} IS ${quoteLiteral(SYSPRV_COMMENT)}`)
  }
  for (const [role, def] of Object.entries(DEFAULT_ROLES)) {
    out.push(`CREATE ROLE ${quoteIdent(role)} NOLOGIN`)
    out.push(`COMMENT ON ROLE ${quoteIdent(role)} IS ${quoteLiteral(ROLE_COMMENT + 'rdsdb')}`)
    for (const p of def.privileges) out.push(`GRANT ${quoteIdent(SYSPRV_PREFIX + p)} TO ${quoteIdent(role)}`)
  }
  for (const [role, def] of Object.entries(DEFAULT_ROLES)) {
    if (def.inherits) out.push(`GRANT ${quoteIdent(def.inherits)} TO ${quoteIdent(role)}`)
  }
  return out
}

/**
 * Per-database objects, installed once into template1 so that every CREATE DATABASE copies them.
 * Runs as the bootstrap superuser with allow_system_table_mods, to place the views in pg_catalog.
 */
export const TEMPLATE_SETUP_SQL = String.raw`
SET allow_system_table_mods = on;

-- Redshift: all users have CREATE and USAGE on the PUBLIC schema by default (r_CREATE_SCHEMA, c_PUBLIC_schema).
GRANT CREATE ON SCHEMA public TO PUBLIC;

-- The languages Redshift lists in SVV_LANGUAGE_PRIVILEGES (r_SVV_LANGUAGE_PRIVILEGES). They reuse
-- PL/pgSQL's handler: only their privileges matter here, nothing ever runs in them.
CREATE FUNCTION pg_catalog.rs_language_handler() RETURNS language_handler AS '$libdir/plpgsql', 'plpgsql_call_handler' LANGUAGE C;
CREATE TRUSTED LANGUAGE exfunc HANDLER pg_catalog.rs_language_handler;
CREATE TRUSTED LANGUAGE plpythonu HANDLER pg_catalog.rs_language_handler;
CREATE TRUSTED LANGUAGE mlfunc HANDLER pg_catalog.rs_language_handler;
-- USAGE ON LANGUAGE exfunc must be granted explicitly (r_CREATE_EXTERNAL_FUNCTION, udf-creating-a-lambda-sql-udf).
REVOKE USAGE ON LANGUAGE exfunc FROM PUBLIC;
REVOKE USAGE ON LANGUAGE plpythonu FROM PUBLIC;
REVOKE USAGE ON LANGUAGE mlfunc FROM PUBLIC;

-- Scoped permissions (t_scoped-permissions) on the objects of one schema: GRANT ... FOR TABLES|FUNCTIONS IN SCHEMA s [DATABASE d].
CREATE TABLE pg_catalog.rs_scoped_permissions (
  scope text NOT NULL,            -- 'SCHEMA' (database-wide ones live in the database's comment)
  object_type text NOT NULL,      -- 'TABLES' or 'FUNCTIONS'
  schema_name text,
  privilege_type text NOT NULL,   -- e.g. SELECT
  grantee oid NOT NULL,           -- 0 for PUBLIC
  admin_option boolean NOT NULL DEFAULT false,
  UNIQUE (scope, object_type, schema_name, privilege_type, grantee)
);
REVOKE ALL ON pg_catalog.rs_scoped_permissions FROM PUBLIC;

-- Table grants that exist only because a scoped permission covers the table ("current and future
-- objects", t_scoped-permissions): made so that PostgreSQL's own privilege checks and has_table_privilege
-- honour scoped permissions, and hidden from SVV_RELATION_PRIVILEGES, which lists explicit grants.
CREATE TABLE pg_catalog.rs_scope_materialized (
  relid oid NOT NULL,
  grantee oid NOT NULL,
  privilege text NOT NULL,
  PRIMARY KEY (relid, grantee, privilege)
);
REVOKE ALL ON pg_catalog.rs_scope_materialized FROM PUBLIC;

-- Who an identity is, in Redshift's words: user, role or group (r_SVV_RELATION_PRIVILEGES, identity_type).
CREATE FUNCTION pg_catalog.rs_identity_type(r oid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN r = 0 THEN 'public'
    WHEN a.rolcanlogin THEN 'user'
    WHEN shobj_description(r, 'pg_authid') LIKE 'redshift:role:%' THEN 'role'
    WHEN shobj_description(r, 'pg_authid') = 'redshift:group' THEN 'group'
    ELSE 'internal' END
  FROM (SELECT r AS oid) x LEFT JOIN pg_roles a ON a.oid = x.oid
$$;
CREATE FUNCTION pg_catalog.rs_identity_name(r oid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN r = 0 THEN 'public' ELSE (SELECT rolname::text FROM pg_roles WHERE oid = r) END
$$;

-- c_visibility-of-data: superusers, users holding ACCESS SYSTEM TABLE (directly or through roles) and
-- users with SYSLOG ACCESS UNRESTRICTED see all rows. (Superusers are members of every role.)
CREATE FUNCTION pg_catalog.rs_sees_all() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT pg_has_role(current_user, 'sysprv:ACCESS SYSTEM TABLE', 'MEMBER') OR pg_has_role(current_user, 'syslog:unrestricted', 'MEMBER')
$$;
-- "Other users can only see identities that they have access to or own."
CREATE FUNCTION pg_catalog.rs_sees_identity(r oid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT pg_catalog.rs_sees_all() OR r = 0 OR pg_has_role(current_user, r, 'MEMBER')
    OR substr(shobj_description(r, 'pg_authid'), length('redshift:role:') + 1) = current_user::text
      AND shobj_description(r, 'pg_authid') LIKE 'redshift:role:%'
$$;

-- Privilege names Redshift's views spell differently (TEMPORARY -> TEMP), and those Redshift has no word for.
CREATE FUNCTION pg_catalog.rs_privilege_name(p text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p WHEN 'TEMPORARY' THEN 'TEMP' WHEN 'CONNECT' THEN NULL WHEN 'TRIGGER' THEN NULL WHEN 'TRUNCATE' THEN NULL
    WHEN 'MAINTAIN' THEN NULL ELSE p END
$$;

-- Schemas Redshift users see: not PostgreSQL's internal ones.
CREATE FUNCTION pg_catalog.rs_user_schema(n name) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT n NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n NOT LIKE 'pg_temp_%' AND n NOT LIKE 'pg_toast_temp_%'
$$;

-- The TABLES scoped permissions in force in this database: per schema, or database-wide (schema_name NULL).
CREATE FUNCTION pg_catalog.rs_table_scopes() RETURNS TABLE (schema_name text, privilege_type text, grantee oid) LANGUAGE sql STABLE AS $$
  SELECT s.schema_name, s.privilege_type, s.grantee FROM pg_catalog.rs_scoped_permissions s WHERE s.object_type = 'TABLES'
  UNION ALL
  SELECT NULL::text, j->>'privilege_type', (j->>'grantee')::oid
  FROM pg_database d,
       jsonb_array_elements(CASE WHEN shobj_description(d.oid, 'pg_database') LIKE '[%' THEN shobj_description(d.oid, 'pg_database')::jsonb ELSE '[]'::jsonb END) j
  WHERE d.datname = current_database() AND j->>'object_type' = 'TABLES'
$$;

-- Brings the materialised grants in line with the scoped permissions: revokes those whose scope is
-- gone, grants what a scope covers and nothing grants yet. Runs after every scoped GRANT/REVOKE and,
-- through the event trigger below, after every CREATE TABLE/VIEW (future objects).
CREATE FUNCTION pg_catalog.rs_apply_scopes() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT m.relid, m.grantee, m.privilege FROM pg_catalog.rs_scope_materialized m
    WHERE NOT EXISTS (
      SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, pg_catalog.rs_table_scopes() s
      WHERE c.oid = m.relid AND s.grantee = m.grantee AND s.privilege_type = m.privilege AND (s.schema_name IS NULL OR s.schema_name = n.nspname))
  LOOP
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = r.relid) THEN
      EXECUTE format('REVOKE %s ON %s FROM %s', r.privilege, r.relid::regclass,
        CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident((SELECT rolname FROM pg_roles WHERE oid = r.grantee)) END);
    END IF;
    DELETE FROM pg_catalog.rs_scope_materialized m WHERE m.relid = r.relid AND m.grantee = r.grantee AND m.privilege = r.privilege;
  END LOOP;
  FOR r IN SELECT DISTINCT c.oid AS relid, s.grantee, s.privilege_type AS privilege
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, pg_catalog.rs_table_scopes() s
    WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND pg_catalog.rs_user_schema(n.nspname)
      AND (s.schema_name IS NULL OR s.schema_name = n.nspname)
      AND s.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
      AND NOT EXISTS (SELECT 1 FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) e
                      WHERE e.grantee = s.grantee AND e.privilege_type = s.privilege_type)
  LOOP
    EXECUTE format('GRANT %s ON %s TO %s', r.privilege, r.relid::regclass,
      CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident((SELECT rolname FROM pg_roles WHERE oid = r.grantee)) END);
    INSERT INTO pg_catalog.rs_scope_materialized VALUES (r.relid, r.grantee, r.privilege) ON CONFLICT DO NOTHING;
  END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION pg_catalog.rs_apply_scopes() FROM PUBLIC;

CREATE FUNCTION pg_catalog.rs_scopes_on_create() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  PERFORM pg_catalog.rs_apply_scopes();
END
$$;
CREATE EVENT TRIGGER rs_scopes_on_create ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'CREATE VIEW', 'CREATE MATERIALIZED VIEW', 'CREATE FOREIGN TABLE')
  EXECUTE FUNCTION pg_catalog.rs_scopes_on_create();

-- r_SVV_USER_INFO
CREATE VIEW pg_catalog.svv_user_info AS
SELECT a.rolname::text AS user_name, a.oid::integer AS user_id, a.rolcreatedb AS createdb, a.rolsuper AS superuser,
       a.rolsuper AS catalog_update,
       CASE WHEN a.rolconnlimit < 0 THEN 'UNLIMITED' ELSE a.rolconnlimit::text END AS connection_limit,
       CASE WHEN pg_has_role(a.oid, 'syslog:unrestricted', 'MEMBER') THEN 'UNRESTRICTED' ELSE 'RESTRICTED' END AS syslog_access,
       NULL::timestamp AS last_ddl_timestamp, 0 AS session_timeout, NULL::text AS external_user_id
FROM pg_roles a
WHERE a.rolcanlogin AND (pg_catalog.rs_sees_all() OR a.rolname = current_user);

-- r_SVV_ROLES
CREATE VIEW pg_catalog.svv_roles AS
SELECT a.oid::integer AS role_id, a.rolname::text AS role_name,
       substr(shobj_description(a.oid, 'pg_authid'), length('redshift:role:') + 1) AS role_owner, NULL::text AS external_id
FROM pg_roles a
WHERE shobj_description(a.oid, 'pg_authid') LIKE 'redshift:role:%' AND pg_catalog.rs_sees_identity(a.oid);

-- r_SVV_USER_GRANTS: roles explicitly granted to users.
CREATE VIEW pg_catalog.svv_user_grants AS
SELECT u.oid::integer AS user_id, u.rolname::text AS user_name, r.oid::integer AS role_id, r.rolname::text AS role_name,
       m.admin_option
FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member JOIN pg_roles r ON r.oid = m.roleid
WHERE u.rolcanlogin AND pg_catalog.rs_identity_type(r.oid) = 'role'
  AND (pg_catalog.rs_sees_all() OR u.rolname = current_user);

-- r_SVV_ROLE_GRANTS: roles explicitly granted to roles.
CREATE VIEW pg_catalog.svv_role_grants AS
SELECT r.oid::integer AS role_id, r.rolname::text AS role_name, g.oid::integer AS granted_role_id, g.rolname::text AS granted_role_name
FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
WHERE pg_catalog.rs_identity_type(r.oid) = 'role' AND pg_catalog.rs_identity_type(g.oid) = 'role'
  AND pg_catalog.rs_sees_identity(r.oid);

-- r_SVV_SYSTEM_PRIVILEGES: system privileges granted to roles (directly; inheritance is the reader's job).
CREATE VIEW pg_catalog.svv_system_privileges AS
SELECT substr(p.rolname, length('sysprv:') + 1)::text AS system_privilege, i.oid::integer AS identity_id, i.rolname::text AS identity_name,
       pg_catalog.rs_identity_type(i.oid) AS identity_type
FROM pg_auth_members m JOIN pg_roles p ON p.oid = m.roleid JOIN pg_roles i ON i.oid = m.member
WHERE shobj_description(p.oid, 'pg_authid') = 'redshift:system-privilege' AND pg_catalog.rs_sees_identity(i.oid);

-- Explicit grants of one ACL, without the owner's implicit self-grant, in Redshift's spelling.
CREATE FUNCTION pg_catalog.rs_acl_rows(acl aclitem[], owner oid)
RETURNS TABLE (privilege_type text, identity_id integer, identity_name text, identity_type text, admin_option boolean)
LANGUAGE sql STABLE AS $$
  SELECT pg_catalog.rs_privilege_name(e.privilege_type), e.grantee::integer, pg_catalog.rs_identity_name(e.grantee),
         pg_catalog.rs_identity_type(e.grantee), e.is_grantable
  FROM aclexplode(acl) e
  WHERE pg_catalog.rs_privilege_name(e.privilege_type) IS NOT NULL AND NOT (e.grantee = owner AND e.grantor = owner)
    AND pg_catalog.rs_identity_type(e.grantee) <> 'internal' AND pg_catalog.rs_sees_identity(e.grantee)
$$;

-- r_SVV_DATABASE_PRIVILEGES: every database of the cluster, with database-wide scoped permissions
-- (privilege_scope SCHEMAS, TABLES, FUNCTIONS) read from each database's comment.
CREATE VIEW pg_catalog.svv_database_privileges AS
SELECT d.datname::text AS database_name, x.privilege_type, x.identity_id, x.identity_name, x.identity_type, x.admin_option,
       'DATABASE'::text AS privilege_scope
FROM pg_database d, pg_catalog.rs_acl_rows(coalesce(d.datacl, acldefault('d', d.datdba)), d.datdba) x
WHERE NOT d.datistemplate AND d.datname <> 'postgres'
UNION ALL
SELECT d.datname::text, j->>'privilege_type', (j->>'grantee')::integer, pg_catalog.rs_identity_name((j->>'grantee')::oid),
       pg_catalog.rs_identity_type((j->>'grantee')::oid), false, j->>'object_type'
FROM pg_database d, jsonb_array_elements(CASE WHEN shobj_description(d.oid, 'pg_database') LIKE '[%' THEN shobj_description(d.oid, 'pg_database')::jsonb ELSE '[]'::jsonb END) j
WHERE NOT d.datistemplate AND d.datname <> 'postgres' AND pg_catalog.rs_sees_identity((j->>'grantee')::oid);


-- r_SVV_SCHEMA_PRIVILEGES, with scoped permissions as privilege_scope TABLES/FUNCTIONS (t_scoped-permissions).
CREATE VIEW pg_catalog.svv_schema_privileges AS
SELECT n.nspname::text AS namespace_name, x.privilege_type, x.identity_id, x.identity_name, x.identity_type, x.admin_option,
       'SCHEMA'::text AS privilege_scope
FROM pg_namespace n, pg_catalog.rs_acl_rows(coalesce(n.nspacl, acldefault('n', n.nspowner)), n.nspowner) x
WHERE pg_catalog.rs_user_schema(n.nspname)
UNION ALL
SELECT s.schema_name, s.privilege_type, s.grantee::integer, pg_catalog.rs_identity_name(s.grantee), pg_catalog.rs_identity_type(s.grantee),
       s.admin_option, s.object_type
FROM pg_catalog.rs_scoped_permissions s
WHERE s.scope = 'SCHEMA' AND pg_catalog.rs_sees_identity(s.grantee);

-- r_SVV_RELATION_PRIVILEGES: tables and views of the current database.
CREATE VIEW pg_catalog.svv_relation_privileges AS
SELECT n.nspname::text AS namespace_name, c.relname::text AS relation_name, x.privilege_type, x.identity_id, x.identity_name,
       x.identity_type, x.admin_option
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
     pg_catalog.rs_acl_rows(coalesce(c.relacl, acldefault('r', c.relowner)), c.relowner) x
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND pg_catalog.rs_user_schema(n.nspname)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.rs_scope_materialized m
                  WHERE m.relid = c.oid AND m.grantee = x.identity_id::oid AND m.privilege = x.privilege_type);

-- r_SVV_LANGUAGE_PRIVILEGES (the languages Redshift has; not PostgreSQL's internal and c).
CREATE VIEW pg_catalog.svv_language_privileges AS
SELECT l.lanname::text AS language_name, x.privilege_type, x.identity_id, x.identity_name, x.identity_type, x.admin_option
FROM pg_language l, pg_catalog.rs_acl_rows(coalesce(l.lanacl, acldefault('l', l.lanowner)), l.lanowner) x
WHERE l.lanname IN ('sql', 'plpgsql', 'plpythonu', 'exfunc', 'mlfunc');

-- r_SVV_DEFAULT_PRIVILEGES
CREATE VIEW pg_catalog.svv_default_privileges AS
SELECT n.nspname::text AS schema_name,
       CASE d.defaclobjtype WHEN 'r' THEN 'RELATION' WHEN 'f' THEN 'FUNCTION' WHEN 'p' THEN 'PROCEDURE' ELSE d.defaclobjtype::text END AS object_type,
       d.defaclrole::integer AS owner_id, pg_catalog.rs_identity_name(d.defaclrole) AS owner_name,
       pg_catalog.rs_identity_type(d.defaclrole) AS owner_type,
       pg_catalog.rs_privilege_name(e.privilege_type) AS privilege_type, e.grantee::integer AS grantee_id,
       pg_catalog.rs_identity_name(e.grantee) AS grantee_name, pg_catalog.rs_identity_type(e.grantee) AS grantee_type,
       e.is_grantable AS admin_option
FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) e
WHERE pg_catalog.rs_privilege_name(e.privilege_type) IS NOT NULL
  AND (pg_catalog.rs_sees_identity(e.grantee) OR pg_has_role(current_user, d.defaclrole, 'MEMBER'));

-- r_SVV_REDSHIFT_DATABASES
CREATE VIEW pg_catalog.svv_redshift_databases AS
SELECT d.datname::text AS database_name, pg_catalog.rs_identity_name(d.datdba)::text AS database_owner, 'local'::text AS database_type,
       NULL::text AS database_options, 'Snapshot Isolation'::text AS database_isolation_level
FROM pg_database d WHERE NOT d.datistemplate AND d.datname <> 'postgres';

-- PostgreSQL's pg_group lists every NOLOGIN role; Redshift's lists groups only (r_PG_GROUP is PostgreSQL's view).
CREATE OR REPLACE VIEW pg_catalog.pg_group AS
SELECT a.rolname AS groname, a.oid AS grosysid, ARRAY(SELECT m.member FROM pg_auth_members m WHERE m.roleid = a.oid) AS grolist
FROM pg_authid a WHERE NOT a.rolcanlogin AND shobj_description(a.oid, 'pg_authid') = 'redshift:group';

GRANT SELECT ON pg_catalog.svv_user_info, pg_catalog.svv_roles, pg_catalog.svv_user_grants, pg_catalog.svv_role_grants,
  pg_catalog.svv_system_privileges, pg_catalog.svv_database_privileges, pg_catalog.svv_schema_privileges,
  pg_catalog.svv_relation_privileges, pg_catalog.svv_language_privileges, pg_catalog.svv_default_privileges,
  pg_catalog.svv_redshift_databases TO PUBLIC;
`
