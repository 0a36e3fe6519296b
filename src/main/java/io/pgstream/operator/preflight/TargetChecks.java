package io.pgstream.operator.preflight;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.RolesSnapshotMode;
import io.pgstream.operator.api.SchemaSnapshotSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Checks of the target database, run by the pipeline's target login. */
public final class TargetChecks extends Checks {
  static final Side SIDE = Side.TARGET;

  TargetChecks(Connection c, ServerFacts f, PgstreamPipelineSpec spec, Checklist list) {
    super(c, f, spec, list);
  }

  /** Whether the pipeline writes DDL to the target: schema snapshots, and replication (DDL is replayed). */
  static boolean writesSchema(PgstreamPipelineSpec spec) {
    return spec.mode.replicates() || (spec.snapshot == null || spec.snapshot.effectiveMode().includesSchema());
  }

  static SchemaSnapshotSpec schemaOptions(PgstreamPipelineSpec spec) {
    return spec.snapshot == null || spec.snapshot.schema == null ? new SchemaSnapshotSpec() : spec.snapshot.schema;
  }

  public static boolean createsDatabase(PgstreamPipelineSpec spec) {
    return spec.mode.snapshots() && Boolean.TRUE.equals(schemaOptions(spec).createTargetDb);
  }

  /** Runs the checks that need the target database itself (it exists). */
  void run() throws SQLException {
    roleAttributes();
    if (writesSchema(spec)) {
      list.check(SIDE, "owns database " + f.database(), databaseOwnership());
      schemas();
    }
    list.check(SIDE, "session_replication_role for disableTriggers", sessionReplicationRole());
  }

  /** Runs the checks possible before the target database exists (create_target_db). */
  void runWithoutDatabase() throws SQLException {
    roleAttributes();
    list.check(SIDE, "session_replication_role for disableTriggers", sessionReplicationRole());
  }

  private void roleAttributes() {
    if (createsDatabase(spec)) {
      list.check(
          SIDE,
          "CREATEDB for createTargetDb",
          f.createDb() || f.superuser()
              ? null
              : Finding.error(
                  SIDE,
                  "MissingCreateDb",
                  "createTargetDb is set but role " + f.user() + " lacks CREATEDB.",
                  "ALTER ROLE " + f.quotedUser() + " CREATEDB;"));
    }
    RolesSnapshotMode roles = schemaOptions(spec).rolesSnapshotMode;
    if (RoleRestore.restoresRoles(spec)) {
      list.check(
          SIDE,
          "CREATEROLE for the roles snapshot",
          f.createRole() || f.superuser()
              ? null
              : Finding.error(
                  SIDE,
                  "MissingCreateRole",
                  "rolesSnapshotMode " + roles.name().toLowerCase() + " restores roles, but role creation fails: role "
                      + f.user() + " lacks CREATEROLE.",
                  "ALTER ROLE " + f.quotedUser() + " CREATEROLE; (it must also hold every privilege it grants,"
                      + " e.g. REPLICATION), or set rolesSnapshotMode: disabled."));
    }
  }

  private Finding databaseOwnership() throws SQLException {
    boolean owns =
        Jdbc.isTrue(c, "SELECT pg_has_role(current_user, d.datdba, 'USAGE') FROM pg_database d WHERE d.datname = current_database()");
    if (owns || f.superuser()) {
      return null;
    }
    return Finding.error(
        SIDE,
        "TargetDatabaseNotOwned",
        "Role " + f.user() + " does not own database " + f.database() + "; restoring the schema and replaying DDL fail.",
        "ALTER DATABASE " + Jdbc.ident(f.database()) + " OWNER TO " + f.quotedUser() + ";");
  }

  private void schemas() throws SQLException {
    Set<String> names = TableSelection.schemasOrPublic(spec.tables);
    record Schema(String name, boolean exists, Boolean owns, Boolean canCreate) {}
    List<Schema> rows =
        Jdbc.query(
            c,
            """
            SELECT s.name, n.oid IS NOT NULL,
                   CASE WHEN n.oid IS NOT NULL THEN pg_has_role(current_user, n.nspowner, 'USAGE') END,
                   CASE WHEN n.oid IS NOT NULL THEN has_schema_privilege(n.oid, 'CREATE')
                        ELSE has_database_privilege(current_database(), 'CREATE') END
              FROM unnest(?::text[]) AS s(name) LEFT JOIN pg_namespace n ON n.nspname = s.name
            """,
            rs -> new Schema(rs.getString(1), rs.getBoolean(2), Jdbc.bool(rs, 3), Jdbc.bool(rs, 4)),
            List.copyOf(names));
    for (Schema s : rows) {
      Finding problem = null;
      if (!s.exists() && !Boolean.TRUE.equals(s.canCreate())) {
        problem =
            Finding.error(
                SIDE,
                "TargetSchemaDenied",
                "Schema " + s.name() + " does not exist on the target and role " + f.user() + " may not create it.",
                "GRANT CREATE ON DATABASE " + Jdbc.ident(f.database()) + " TO " + f.quotedUser() + ";");
      } else if (s.exists() && !Boolean.TRUE.equals(s.owns()) && !f.superuser()) {
        problem =
            Finding.error(
                SIDE,
                "TargetSchemaDenied",
                "permission denied for schema " + s.name() + ": role " + f.user() + " does not own it"
                    + (Boolean.TRUE.equals(s.canCreate()) ? "" : " and may not create in it") + ".",
                "ALTER SCHEMA " + Jdbc.ident(s.name()) + " OWNER TO " + f.quotedUser() + "; (or at least GRANT CREATE ON SCHEMA "
                    + Jdbc.ident(s.name()) + " TO " + f.quotedUser() + ";)");
      }
      list.check(SIDE, "may write schema " + s.name(), problem);
    }
  }

  /** disable_triggers sets session_replication_role, which RDS allows only rds_superuser members. */
  private Finding sessionReplicationRole() throws SQLException {
    if (!Boolean.TRUE.equals(spec.target.disableTriggers)) {
      return null;
    }
    Optional<java.sql.SQLException> refused = Jdbc.probe(c, "SET LOCAL session_replication_role = replica");
    if (refused.isEmpty()) {
      return null;
    }
    return Finding.error(
        SIDE,
        "CannotSetSessionReplicationRole",
        "spec.target.disableTriggers is true, but role " + f.user()
            + " gets: permission denied to set parameter \"session_replication_role\".",
        "Set spec.target.disableTriggers: false (pgstream then writes with triggers on), or use a role that may set it"
            + (f.rds() ? " (a member of rds_superuser)." : " (PostgreSQL 15+: GRANT SET ON PARAMETER session_replication_role TO "
                + f.quotedUser() + ";)."));
  }
}
