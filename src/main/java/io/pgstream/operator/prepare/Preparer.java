package io.pgstream.operator.prepare;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.TargetPrepareSpec;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Jdbc;
import io.pgstream.operator.preflight.TableSelection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * Sets up the pipeline's logins with an admin login, as pgstream's RDS guide describes. Every action
 * first checks whether it is needed, so a second run changes nothing and says so. Passwords are
 * sent as SCRAM verifiers computed by the driver, never as plain text that could reach server logs.
 * Application objects keep their owners; rds_superuser and ownership transfers happen only when
 * their own flag is set.
 */
public class Preparer {
  private final DatabaseConnector connector;

  public Preparer(DatabaseConnector connector) {
    this.connector = connector;
  }

  /** @return what was changed, empty when everything was already in place */
  public List<String> prepareSource(PgstreamPipelineSpec spec, Login login, Login admin) throws SQLException {
    SourcePrepareSpec options = spec.prepare.source;
    List<String> done = new ArrayList<>();
    try (Connection c = connector.open(spec.source, spec.source.database, admin.user(), admin.password())) {
      if (!Boolean.FALSE.equals(options.createRole)) {
        ensureLogin(c, spec.source, spec.source.database, login, done);
      }
      String user = Jdbc.ident(login.user());
      if (spec.mode.replicates() && !Boolean.FALSE.equals(options.grantReplication)) {
        if (Jdbc.isTrue(c, "SELECT to_regrole('rds_replication') IS NOT NULL")) {
          if (!Jdbc.isTrue(c, "SELECT pg_has_role(?, 'rds_replication', 'MEMBER')", login.user())) {
            run(c, "GRANT rds_replication TO " + user, done);
          }
        } else if (!Jdbc.isTrue(c, "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = ?", login.user())) {
          run(c, "ALTER ROLE " + user + " REPLICATION", done);
        }
      }
      if (spec.mode.replicates() && !Boolean.FALSE.equals(options.grantCreateOnDatabase)) {
        if (!Jdbc.isTrue(c, "SELECT has_database_privilege(?, current_database(), 'CREATE')", login.user())) {
          run(c, "GRANT CREATE ON DATABASE " + Jdbc.ident(spec.source.database) + " TO " + user, done);
        }
      }
      if (spec.mode.snapshots() && !Boolean.FALSE.equals(options.grantRead)) {
        grantRead(c, spec, login.user(), done);
      }
      if (Boolean.TRUE.equals(options.grantRdsSuperuser)
          && Jdbc.isTrue(c, "SELECT to_regrole('rds_superuser') IS NOT NULL")
          && !Jdbc.isTrue(c, "SELECT pg_has_role(?, 'rds_superuser', 'MEMBER')", login.user())) {
        run(c, "GRANT rds_superuser TO " + user, done);
      }
    }
    return done;
  }

  /** @return what was changed, empty when everything was already in place */
  public List<String> prepareTarget(PgstreamPipelineSpec spec, Login login, Login admin, boolean createsDatabase)
      throws SQLException {
    TargetPrepareSpec options = spec.prepare.target;
    List<String> done = new ArrayList<>();
    boolean databaseExists;
    try (Connection c = connector.open(spec.target, "postgres", admin.user(), admin.password())) {
      if (!Boolean.FALSE.equals(options.createRole)) {
        ensureLogin(c, spec.target, "postgres", login, done);
      }
      String user = Jdbc.ident(login.user());
      if (createsDatabase
          && !Boolean.FALSE.equals(options.grantCreateDb)
          && !Jdbc.isTrue(c, "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = ?", login.user())) {
        run(c, "ALTER ROLE " + user + " CREATEDB", done);
      }
      databaseExists = Jdbc.isTrue(c, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", spec.target.database);
      if (Boolean.TRUE.equals(options.transferOwnership) && databaseExists) {
        canActAs(c, login.user(), done);
        if (!Jdbc.isTrue(c, "SELECT pg_has_role(?, datdba, 'USAGE') FROM pg_database WHERE datname = ?", login.user(), spec.target.database)) {
          run(c, "ALTER DATABASE " + Jdbc.ident(spec.target.database) + " OWNER TO " + user, done);
        }
      }
    }
    if (Boolean.TRUE.equals(options.transferOwnership) && databaseExists) {
      try (Connection c = connector.open(spec.target, spec.target.database, admin.user(), admin.password())) {
        for (String schema : TableSelection.schemasOrPublic(spec.tables)) {
          if (Jdbc.isTrue(c, "SELECT to_regnamespace(?) IS NOT NULL", schema)
              && !Jdbc.isTrue(c, "SELECT pg_has_role(?, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = ?", login.user(), schema)) {
            run(c, "ALTER SCHEMA " + Jdbc.ident(schema) + " OWNER TO " + Jdbc.ident(login.user()), done);
          }
        }
      }
    }
    return done;
  }

  /**
   * After {@code pgstream init} ran as the admin: give schema pgstream and its tables and sequences
   * to the streaming login. Event triggers and pgstream's SECURITY DEFINER functions stay with the
   * admin, who alone may own them on RDS.
   */
  public List<String> handOverPgstreamObjects(ConnectionSpec source, Login login, Login admin) throws SQLException {
    List<String> done = new ArrayList<>();
    try (Connection c = connector.open(source, source.database, admin.user(), admin.password())) {
      if (!Jdbc.isTrue(c, "SELECT to_regnamespace('pgstream') IS NOT NULL")) {
        return done;
      }
      String user = Jdbc.ident(login.user());
      if (!Jdbc.isTrue(c, "SELECT pg_has_role(?, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'pgstream'", login.user())) {
        canActAs(c, login.user(), done);
        run(c, "ALTER SCHEMA pgstream OWNER TO " + user, done);
      }
      for (String[] object :
          new String[][] {
            {"TABLE", "pgstream.schema_migrations_core"},
            {"TABLE", "pgstream.schema_migrations_injector"},
            {"TABLE", "pgstream.table_ids"},
            {"SEQUENCE", "pgstream.xid_serial"}
          }) {
        if (Jdbc.isTrue(c, "SELECT to_regclass(?) IS NOT NULL", object[1])
            && !Jdbc.isTrue(c, "SELECT pg_has_role(?, relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass(?)", login.user(), object[1])) {
          canActAs(c, login.user(), done);
          run(c, "ALTER " + object[0] + " " + object[1] + " OWNER TO " + user, done);
        }
      }
    }
    return done;
  }

  /** Creates the login if missing; resets its password when the Secret's no longer works. */
  private void ensureLogin(Connection admin, ConnectionSpec server, String database, Login login, List<String> done)
      throws SQLException {
    if (!Jdbc.isTrue(admin, "SELECT to_regrole(?) IS NOT NULL", login.user())) {
      run(admin, "CREATE ROLE " + Jdbc.ident(login.user()) + " LOGIN", done);
      setPassword(admin, login, "set password of " + login.user(), done);
      return;
    }
    try (Connection probe = connector.open(server, database, login.user(), login.password())) {
      // The Secret's password works.
    } catch (SQLException e) {
      if (!"28P01".equals(e.getSQLState())) {
        throw e;
      }
      setPassword(admin, login, "reset password of " + login.user() + " to the Secret's", done);
    }
  }

  private static void setPassword(Connection admin, Login login, String action, List<String> done) throws SQLException {
    admin.unwrap(PGConnection.class).alterUserPassword(login.user(), login.password().toCharArray(), "scram-sha-256");
    done.add(action);
  }

  /**
   * Giving a role objects needs the right to SET ROLE to it. On PostgreSQL 16+ the creator of a role
   * holds only ADMIN OPTION on it, so SET is granted explicitly.
   */
  private static void canActAs(Connection c, String role, List<String> done) throws SQLException {
    boolean v16 = Jdbc.isTrue(c, "SELECT current_setting('server_version_num')::int >= 160000");
    if (!Jdbc.isTrue(c, "SELECT pg_has_role(current_user, ?, '" + (v16 ? "SET" : "MEMBER") + "')", role)) {
      run(c, "GRANT " + Jdbc.ident(role) + " TO current_user" + (v16 ? " WITH SET TRUE" : ""), done);
    }
  }

  private static void grantRead(Connection c, PgstreamPipelineSpec spec, String user, List<String> done) throws SQLException {
    for (String schema : TableSelection.matchingSchemas(c, spec.tables)) {
      String s = Jdbc.ident(schema);
      if (!Jdbc.isTrue(c, "SELECT has_schema_privilege(?, to_regnamespace(?), 'USAGE')", user, schema)) {
        run(c, "GRANT USAGE ON SCHEMA " + s + " TO " + Jdbc.ident(user), done);
      }
      boolean unreadable =
          Jdbc.isTrue(
              c,
              """
              SELECT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = to_regnamespace(?) AND c.relkind IN ('r', 'p', 'S', 'm')
                               AND NOT CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(?, c.oid, 'SELECT')
                                            ELSE has_table_privilege(?, c.oid, 'SELECT') END)
              """,
              schema,
              user,
              user);
      if (unreadable) {
        run(c, "GRANT SELECT ON ALL TABLES IN SCHEMA " + s + " TO " + Jdbc.ident(user), done);
        run(c, "GRANT SELECT ON ALL SEQUENCES IN SCHEMA " + s + " TO " + Jdbc.ident(user), done);
      }
      // Future tables: default privileges of each table owner the admin may act for.
      for (String owner : owners(c, schema)) {
        boolean granted =
            Jdbc.isTrue(
                c,
                """
                SELECT EXISTS (SELECT 1 FROM pg_default_acl d, aclexplode(d.defaclacl) a
                                WHERE d.defaclrole = to_regrole(?) AND d.defaclnamespace = to_regnamespace(?)
                                  AND d.defaclobjtype = 'r' AND a.grantee = to_regrole(?) AND a.privilege_type = 'SELECT')
                """,
                owner,
                schema,
                user);
        if (!granted && Jdbc.isTrue(c, "SELECT pg_has_role(current_user, ?, 'MEMBER')", owner)) {
          run(
              c,
              "ALTER DEFAULT PRIVILEGES FOR ROLE " + Jdbc.ident(owner) + " IN SCHEMA " + s + " GRANT SELECT ON TABLES TO " + Jdbc.ident(user),
              done);
        }
      }
    }
  }

  private static List<String> owners(Connection c, String schema) throws SQLException {
    return Jdbc.query(
        c,
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = to_regnamespace(?) AND relkind IN ('r', 'p') ORDER BY 1",
        rs -> rs.getString(1),
        schema);
  }

  private static void run(Connection c, String sql, List<String> done) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
    done.add(sql);
  }
}
