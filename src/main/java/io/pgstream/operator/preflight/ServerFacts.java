package io.pgstream.operator.preflight;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What kind of server and login a connection reached. RDS is recognised by its roles and settings,
 * read with {@code current_setting(name, true)}: {@code SHOW rds.*} fails on vanilla PostgreSQL.
 */
record ServerFacts(
    int versionNum,
    boolean rds,
    String rdsLogicalReplication,
    boolean aurora,
    boolean inRecovery,
    String user,
    String database,
    String walLevel,
    boolean superuser,
    boolean replication,
    boolean createDb,
    boolean createRole,
    Boolean rdsSuperuser,
    Boolean rdsReplication) {

  static ServerFacts read(Connection c) throws SQLException {
    return Jdbc.one(
            c,
            """
            SELECT current_setting('server_version_num')::int AS version_num,
                   to_regrole('rds_superuser') IS NOT NULL AS rds,
                   current_setting('rds.logical_replication', true) AS rds_logical_replication,
                   EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'aurora_version') AS aurora,
                   pg_is_in_recovery() AS in_recovery,
                   current_user AS usr, current_database() AS db,
                   current_setting('wal_level') AS wal_level,
                   r.rolsuper, r.rolreplication, r.rolcreatedb, r.rolcreaterole,
                   CASE WHEN to_regrole('rds_superuser') IS NOT NULL
                        THEN pg_has_role(r.oid, 'rds_superuser', 'USAGE') END AS rds_superuser,
                   CASE WHEN to_regrole('rds_replication') IS NOT NULL
                        THEN pg_has_role(r.oid, 'rds_replication', 'USAGE') END AS rds_replication
              FROM pg_roles r WHERE r.rolname = current_user
            """,
            rs ->
                new ServerFacts(
                    rs.getInt("version_num"),
                    rs.getBoolean("rds"),
                    rs.getString("rds_logical_replication"),
                    rs.getBoolean("aurora"),
                    rs.getBoolean("in_recovery"),
                    rs.getString("usr"),
                    rs.getString("db"),
                    rs.getString("wal_level"),
                    rs.getBoolean("rolsuper"),
                    rs.getBoolean("rolreplication"),
                    rs.getBoolean("rolcreatedb"),
                    rs.getBoolean("rolcreaterole"),
                    Jdbc.bool(rs, "rds_superuser"),
                    Jdbc.bool(rs, "rds_replication")))
        .orElseThrow(() -> new SQLException("current_user is missing from pg_roles"));
  }

  /** Whom a fix should name: the quoted login role. */
  String quotedUser() {
    return Jdbc.ident(user);
  }
}
