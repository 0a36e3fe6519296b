package io.pgstream.operator.prepare;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.TargetPrepareSpec;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Jdbc;
import io.pgstream.operator.preflight.TableSelection;
import io.pgstream.operator.prepare.LoginOwnership.Site;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Sets up the pipeline's logins with an admin login, as pgstream's RDS guide describes. Every action
 * first checks whether it is needed, so a second run changes nothing and says so. Only logins the
 * operator manages ({@link LoginOwnership}) are altered or granted to. Application objects keep
 * their owners; rds_superuser and ownership transfers happen only when their own flag is set.
 */
public class Preparer {
  private final DatabaseConnector connector;
  private final LoginOwnership ownership;

  public Preparer(DatabaseConnector connector) {
    this.connector = connector;
    this.ownership = new LoginOwnership(connector);
  }

  public Preparation prepareSource(PgstreamPipeline p, Login login, Login admin) throws SQLException, PreparationRefused {
    PgstreamPipelineSpec spec = p.getSpec();
    SourcePrepareSpec options = spec.prepare.source;
    Preparation done = new Preparation();
    try (Connection c = connector.open(spec.source, spec.source.database, admin.user(), admin.password())) {
      if (!ownership.claim(c, sourceSite(p), login, done)) {
        return done;
      }
      String user = Jdbc.ident(login.user());
      if (spec.mode.replicates() && !Boolean.FALSE.equals(options.grantReplication)) {
        if (Jdbc.isTrue(c, "SELECT to_regrole('rds_replication') IS NOT NULL")) {
          if (!Jdbc.isTrue(c, "SELECT pg_has_role(?, 'rds_replication', 'MEMBER')", login.user())) {
            done.run(c, "GRANT " + Jdbc.ident("rds_replication") + " TO " + user);
          }
        } else if (!Jdbc.isTrue(c, "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = ?", login.user())) {
          done.run(c, "ALTER ROLE " + user + " REPLICATION");
        }
      }
      if (spec.mode.replicates() && !Boolean.FALSE.equals(options.grantCreateOnDatabase)) {
        if (!Jdbc.isTrue(c, "SELECT has_database_privilege(?, current_database(), 'CREATE')", login.user())) {
          done.run(c, "GRANT CREATE ON DATABASE " + Jdbc.ident(spec.source.database) + " TO " + user);
        }
      }
      if (spec.mode.snapshots() && !Boolean.FALSE.equals(options.grantRead)) {
        grantRead(c, spec, login.user(), done);
      }
      if (Boolean.TRUE.equals(options.grantRdsSuperuser)
          && Jdbc.isTrue(c, "SELECT to_regrole('rds_superuser') IS NOT NULL")
          && !Jdbc.isTrue(c, "SELECT pg_has_role(?, 'rds_superuser', 'MEMBER')", login.user())) {
        done.run(c, "GRANT " + Jdbc.ident("rds_superuser") + " TO " + user);
      }
    }
    return done;
  }

  public Preparation prepareTarget(PgstreamPipeline p, Login login, Login admin, boolean createsDatabase)
      throws SQLException, PreparationRefused {
    PgstreamPipelineSpec spec = p.getSpec();
    TargetPrepareSpec options = spec.prepare.target;
    Preparation done = new Preparation();
    boolean transfer;
    try (Connection c = connector.open(spec.target, "postgres", admin.user(), admin.password())) {
      Site site = new Site("target", spec.target, "postgres", p.getMetadata().getNamespace(), options);
      if (!ownership.claim(c, site, login, done)) {
        return done;
      }
      String user = Jdbc.ident(login.user());
      if (createsDatabase
          && !Boolean.FALSE.equals(options.grantCreateDb)
          && !Jdbc.isTrue(c, "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = ?", login.user())) {
        done.run(c, "ALTER ROLE " + user + " CREATEDB");
      }
      transfer =
          Boolean.TRUE.equals(options.transferOwnership)
              && Jdbc.isTrue(c, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", spec.target.database);
      if (transfer) {
        canActAs(c, login.user(), done);
        if (!Jdbc.isTrue(c, "SELECT pg_has_role(?, datdba, 'USAGE') FROM pg_database WHERE datname = ?", login.user(), spec.target.database)) {
          done.run(c, "ALTER DATABASE " + Jdbc.ident(spec.target.database) + " OWNER TO " + user);
        }
      }
    }
    if (transfer) {
      try (Connection c = connector.open(spec.target, spec.target.database, admin.user(), admin.password())) {
        for (String schema : TableSelection.schemasOrPublic(spec.tables)) {
          if (Jdbc.isTrue(c, "SELECT to_regnamespace(?) IS NOT NULL", schema)
              && !Jdbc.isTrue(c, "SELECT pg_has_role(?, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = ?", login.user(), schema)) {
            done.run(c, "ALTER SCHEMA " + Jdbc.ident(schema) + " OWNER TO " + Jdbc.ident(login.user()));
          }
        }
      }
    }
    return done;
  }

  /**
   * After {@code pgstream init} ran as the admin: give schema pgstream and its tables and sequences
   * to the streaming login, when the operator manages it. Event triggers and pgstream's SECURITY
   * DEFINER functions stay with the admin, who alone may own them on RDS.
   *
   * @return what was changed
   */
  public List<String> handOverPgstreamObjects(PgstreamPipeline p, Login login, Login admin) throws SQLException, PreparationRefused {
    Preparation done = new Preparation();
    Site site = sourceSite(p);
    try (Connection c = connector.open(site.server(), site.database(), admin.user(), admin.password())) {
      if (!Jdbc.isTrue(c, "SELECT to_regnamespace('pgstream') IS NOT NULL")) {
        return done.changes();
      }
      String user = Jdbc.ident(login.user());
      String schema = Jdbc.ident("pgstream");
      if (!Jdbc.isTrue(c, "SELECT pg_has_role(?, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'pgstream'", login.user())) {
        ownership.requireOwn(c, site, login.user(), "Giving schema pgstream (created by init as the admin) to the streaming login");
        canActAs(c, login.user(), done);
        done.run(c, "ALTER SCHEMA " + schema + " OWNER TO " + user);
      }
      for (String[] object :
          new String[][] {
            {"TABLE", "schema_migrations_core"},
            {"TABLE", "schema_migrations_injector"},
            {"TABLE", "table_ids"},
            {"SEQUENCE", "xid_serial"}
          }) {
        String name = schema + "." + Jdbc.ident(object[1]);
        if (Jdbc.isTrue(c, "SELECT to_regclass(?) IS NOT NULL", name)
            && !Jdbc.isTrue(c, "SELECT pg_has_role(?, relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass(?)", login.user(), name)) {
          ownership.requireOwn(c, site, login.user(), "Giving pgstream's " + object[1] + " (created by init as the admin) to the streaming login");
          canActAs(c, login.user(), done);
          done.run(c, "ALTER " + object[0] + " " + name + " OWNER TO " + user);
        }
      }
    }
    return done.changes();
  }

  private static Site sourceSite(PgstreamPipeline p) {
    PgstreamPipelineSpec spec = p.getSpec();
    return new Site("source", spec.source, spec.source.database, p.getMetadata().getNamespace(), spec.prepare.source);
  }

  /**
   * Giving a role objects needs the right to SET ROLE to it. On PostgreSQL 16+ the creator of a role
   * holds only ADMIN OPTION on it, so SET is granted explicitly.
   */
  private static void canActAs(Connection c, String role, Preparation done) throws SQLException {
    boolean v16 = Jdbc.isTrue(c, "SELECT current_setting('server_version_num')::int >= 160000");
    if (!Jdbc.isTrue(c, "SELECT pg_has_role(current_user, ?, '" + (v16 ? "SET" : "MEMBER") + "')", role)) {
      done.run(c, "GRANT " + Jdbc.ident(role) + " TO current_user" + (v16 ? " WITH SET TRUE" : ""));
    }
  }

  private static void grantRead(Connection c, PgstreamPipelineSpec spec, String user, Preparation done) throws SQLException {
    for (String schema : TableSelection.matchingSchemas(c, spec.tables)) {
      String s = Jdbc.ident(schema);
      if (!Jdbc.isTrue(c, "SELECT has_schema_privilege(?, to_regnamespace(?), 'USAGE')", user, schema)) {
        done.run(c, "GRANT USAGE ON SCHEMA " + s + " TO " + Jdbc.ident(user));
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
        done.run(c, "GRANT SELECT ON ALL TABLES IN SCHEMA " + s + " TO " + Jdbc.ident(user));
        done.run(c, "GRANT SELECT ON ALL SEQUENCES IN SCHEMA " + s + " TO " + Jdbc.ident(user));
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
          done.run(
              c,
              "ALTER DEFAULT PRIVILEGES FOR ROLE " + Jdbc.ident(owner) + " IN SCHEMA " + s + " GRANT SELECT ON TABLES TO " + Jdbc.ident(user));
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
}
