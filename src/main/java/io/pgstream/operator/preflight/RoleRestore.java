package io.pgstream.operator.preflight;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamVersion;
import io.pgstream.operator.api.RolesSnapshotMode;
import io.pgstream.operator.api.SchemaSnapshotSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The roles a schema snapshot restores and whether the target login may create them as they are.
 *
 * <p>pgstream 1.3.1 (pkg/snapshot/generator/postgres/schema/pgdumprestore) runs {@code pg_dumpall
 * --roles-only} but keeps only the roles the schema dump names (owners unless noOwner, grantees unless
 * noPrivileges) and the roles of their memberships; it drops pg_* roles and the cloud-managed ones
 * ({@link #EXCLUDED}), strips NO* attributes, and replays the rest with psql as the target login.
 * pg_dumpall's CREATE ROLE, ALTER ROLE ... WITH attributes and GRANT role ... GRANTED BY fail there by
 * PostgreSQL's rules; pgstream stops on those errors, except "permission denied to grant privileges as
 * role", which it ignores, so that membership is silently missing. It lets a non-superuser take
 * ownership with GRANT owner TO CURRENT_USER, but loses that line for an owner that is in a membership.
 */
final class RoleRestore {
  static final String CODE = "RolesNotRestorable";

  /** pg_role_parser.go: the roles pgstream never restores (postgres, RDS, Cloud SQL, Xata, Neon). */
  static final Set<String> EXCLUDED =
      Set.of(
          "postgres",
          "rdsadmin", "rds_reserved", "rds_extension", "rds_ad", "rds_password", "rds_iam", "rds_replication", "rds_superuser",
          "cloudsqladmin", "cloudsqlsuperuser", "cloudsqlagent", "cloudsqlimportexport", "cloudsqlreplica",
          "cloudsqlobservability", "cloudsqlconnpooladmin", "cloudsqliamgroup", "cloudsqliamgroupserviceaccount",
          "cloudsqliamgroupuser", "cloudsqliamserviceaccount", "cloudsqliamuser", "cloudsqllogical", "cloudsqlinactiveuser",
          "xata_superuser", "xata",
          "cloud_admin", "neondb_owner", "neon_service", "neon_superuser");

  /** @param owner named by an ALTER ... OWNER TO of the schema dump */
  record Role(
      String name, boolean superuser, boolean createRole, boolean createDb, boolean replication, boolean bypassRls, boolean owner) {}

  /** {@code GRANT role TO member [WITH ADMIN OPTION] [GRANTED BY grantor]} as pg_dumpall writes it. */
  record Membership(String role, String member, String grantor, boolean admin) {}

  /**
   * What the roles dump will hold. pg_dumpall 16+ writes GRANTED BY only for PostgreSQL 16+ servers; the
   * default runners carry clients 16 and 17 (a client 15 would write it for a 15 source too).
   */
  record Plan(List<Role> roles, List<Membership> memberships, boolean grantors) {}

  private RoleRestore() {}

  /** Snapshot modes full/schema with rolesSnapshotMode enabled or no_passwords. */
  static boolean restoresRoles(PgstreamPipelineSpec spec) {
    RolesSnapshotMode mode = TargetChecks.schemaOptions(spec).rolesSnapshotMode;
    return spec.mode.snapshots()
        && (spec.snapshot == null || spec.snapshot.effectiveMode().includesSchema())
        && mode != null
        && mode != RolesSnapshotMode.DISABLED;
  }

  /** Reads the plan on the source, as the source login: pg_roles and pg_auth_members, never pg_authid. */
  static Plan read(Connection c, ServerFacts f, PgstreamPipelineSpec spec) throws SQLException {
    SchemaSnapshotSpec o = TargetChecks.schemaOptions(spec);
    boolean owners = Boolean.FALSE.equals(o.noOwner);
    boolean grants = Boolean.FALSE.equals(o.noPrivileges);
    List<Role> roles =
        Jdbc.query(
            c,
            """
            WITH rel AS (
              SELECT c.relowner, c.relacl, c.relnamespace, CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char" AS kind
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE
            """
                + TableSelection.SELECTED
                + """
            ), owners AS (
              SELECT relowner AS oid FROM rel WHERE ?
              UNION SELECT nspowner FROM pg_namespace WHERE oid IN (SELECT relnamespace FROM rel) AND ?
            ), named AS (
              -- The roles the schema dump names: owners, and GRANTs where an ACL differs from the owner's
              -- default (pg_dump names a grantor other than the owner). pgstream adds their memberships.
              SELECT oid FROM owners
              UNION SELECT unnest(ARRAY[a.grantee, NULLIF(a.grantor, rel.relowner)]) FROM rel, aclexplode(rel.relacl) a
                     WHERE ? AND (a.grantee, a.privilege_type) NOT IN (
                       SELECT d.grantee, d.privilege_type FROM aclexplode(acldefault(rel.kind, rel.relowner)) d)
              UNION SELECT unnest(ARRAY[a.grantee, NULLIF(a.grantor, s.nspowner)]) FROM pg_namespace s, aclexplode(s.nspacl) a
                     WHERE s.oid IN (SELECT relnamespace FROM rel) AND ? AND (a.grantee, a.privilege_type) NOT IN (
                       SELECT d.grantee, d.privilege_type FROM aclexplode(acldefault('n', s.nspowner)) d)
            ), restored AS (
              SELECT oid FROM named
              UNION SELECT unnest(ARRAY[m.roleid, m.member, m.grantor]) FROM pg_auth_members m
                     WHERE m.roleid IN (SELECT oid FROM named) OR m.member IN (SELECT oid FROM named)
            )
            SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
                   r.oid IN (SELECT oid FROM owners)
              FROM pg_roles r JOIN restored x ON x.oid = r.oid
             WHERE r.rolname !~ '^pg_' AND NOT r.rolname = ANY (?::text[])
             ORDER BY 1
            """,
            rs ->
                new Role(
                    rs.getString(1), rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4), rs.getBoolean(5), rs.getBoolean(6), rs.getBoolean(7)),
            TableSelection.schemaRegexes(spec.tables),
            TableSelection.tableRegexes(spec.tables),
            owners,
            owners,
            grants,
            grants,
            List.copyOf(EXCLUDED));
    List<String> names = roles.stream().map(Role::name).toList();
    // pgstream keeps a GRANT line only when both roles on it are restored.
    List<Membership> memberships =
        Jdbc.query(
            c,
            """
            SELECT g.rolname, m.rolname, gr.rolname, am.admin_option
              FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
              LEFT JOIN pg_roles gr ON gr.oid = am.grantor
             WHERE g.rolname = ANY (?::text[]) AND m.rolname = ANY (?::text[])
             ORDER BY 1, 2
            """,
            rs -> new Membership(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)),
            names,
            names);
    return new Plan(roles, memberships, f.versionNum() >= 160000);
  }

  /** Checks the plan on the target, as the target login; null when every role and membership restores. */
  static Finding check(Connection c, ServerFacts t, PgstreamPipelineSpec spec, Plan plan) throws SQLException {
    if (t.superuser() || !t.createRole() || plan.roles().isEmpty()) {
      // Without CREATEROLE, MissingCreateRole already names the fix.
      return null;
    }
    boolean pg16 = t.versionNum() >= 160000;
    record Me(boolean bypassRls, Boolean adminRdsReplication) {}
    Me me =
        Jdbc.one(
                c,
                """
                SELECT rolbypassrls, CASE WHEN to_regrole('rds_replication') IS NOT NULL
                                          THEN pg_has_role(current_user, 'rds_replication', 'MEMBER WITH ADMIN OPTION') END
                  FROM pg_roles WHERE rolname = current_user
                """,
                rs -> new Me(rs.getBoolean(1), Jdbc.bool(rs, 2)))
            .orElseThrow();
    // Roles that already exist on the target, with the login's ADMIN OPTION on them (PostgreSQL 16+ needs it to
    // alter them or grant them; the login has it on the roles it creates itself).
    List<String> mentioned = new ArrayList<>(plan.roles().stream().map(Role::name).toList());
    plan.memberships().stream().map(Membership::grantor).filter(g -> g != null).forEach(mentioned::add);
    record Existing(String name, boolean admin, boolean privileges) {}
    Map<String, Boolean> adminOn = new HashMap<>();
    Map<String, Boolean> privilegesOf = new HashMap<>();
    for (Existing e :
        Jdbc.query(
            c,
            """
            SELECT rolname, pg_has_role(current_user, oid, 'MEMBER WITH ADMIN OPTION'), pg_has_role(current_user, oid, 'USAGE')
              FROM pg_roles WHERE rolname = ANY (?::text[])
            """,
            rs -> new Existing(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3)),
            mentioned)) {
      adminOn.put(e.name(), e.admin());
      privilegesOf.put(e.name(), e.privileges());
    }
    boolean awsTarget = spec.target.host != null && spec.target.host.contains("rds.amazonaws.com");
    String login = t.quotedUser();
    List<String> causes = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    for (Role r : plan.roles()) {
      String role = Jdbc.ident(r.name());
      if (pg16 && Boolean.FALSE.equals(adminOn.get(r.name()))) {
        causes.add(role + " exists on the target and ALTER ROLE needs ADMIN OPTION on it (permission denied to alter role)");
        fixes.add("GRANT " + role + " TO " + login + " WITH ADMIN OPTION; (as its admin)");
      }
      if (r.owner() && plan.memberships().stream().anyMatch(m -> List.of(m.role(), m.member(), String.valueOf(m.grantor())).contains(r.name()))) {
        // dumpRoles replaces the owner's entry with the plain one of a membership's dependency, so
        // filterRolesDump may skip its GRANT "role" TO CURRENT_USER (Go map order decides).
        causes.add(role + " owns objects and is in a membership, so pgstream " + PgstreamVersion.SUPPORTED
            + " can drop its GRANT " + role + " TO CURRENT_USER and ALTER ... OWNER TO " + role + " fails (must be member of role)");
        fixes.add("set spec.snapshot.schema.noOwner: true (the default)");
      }
      if (r.superuser()) {
        causes.add(role + " is SUPERUSER, which only a superuser may give" + (t.rds() ? " (rds_superuser members may not)" : ""));
        fixes.add("ALTER ROLE " + role + " NOSUPERUSER; on the source, or create " + role + " on the target yourself");
      }
      if (r.replication()) {
        if (awsTarget) {
          // pgstream rewrites REPLICATION to GRANT rds_replication for *.rds.amazonaws.com targets.
          if (pg16 && !Boolean.TRUE.equals(me.adminRdsReplication()) && !Boolean.TRUE.equals(t.rdsSuperuser())) {
            causes.add(role + " has REPLICATION, restored as GRANT rds_replication, which " + t.user() + " may not grant");
            fixes.add("GRANT rds_superuser TO " + login + "; (as the master user)");
          }
        } else if (t.rds()) {
          causes.add(role + " has REPLICATION, which nobody may give on RDS (pgstream only rewrites it to rds_replication"
              + " when the target host ends in rds.amazonaws.com)");
          fixes.add("ALTER ROLE " + role + " NOREPLICATION; on the source and GRANT rds_replication TO " + role
              + "; on the target after the snapshot, or use the instance's rds.amazonaws.com endpoint as spec.target.host");
        } else if (!pg16) {
          causes.add(role + " has REPLICATION: must be superuser to alter replication roles or change replication attribute");
          fixes.add("restore roles as a superuser, or ALTER ROLE " + role + " NOREPLICATION; on the source");
        } else if (!t.replication()) {
          causes.add(role + " has REPLICATION, which " + t.user() + " lacks (permission denied to alter role)");
          fixes.add("ALTER ROLE " + login + " REPLICATION; (as a superuser)");
        }
      }
      if (r.bypassRls() && (!pg16 || !me.bypassRls())) {
        causes.add(role + " has BYPASSRLS" + (pg16 ? ", which " + t.user() + " lacks (permission denied to alter role)" : ": must be superuser to change bypassrls attribute"));
        fixes.add(pg16 ? "ALTER ROLE " + login + " BYPASSRLS; (as a superuser)" : "restore roles as a superuser, or ALTER ROLE " + role + " NOBYPASSRLS; on the source");
      }
      if (r.createDb() && pg16 && !t.createDb()) {
        causes.add(role + " has CREATEDB, which " + t.user() + " lacks (permission denied to alter role)");
        fixes.add("ALTER ROLE " + login + " CREATEDB;");
      }
    }
    for (Membership m : plan.memberships()) {
      String grant = "GRANT " + Jdbc.ident(m.role()) + " TO " + Jdbc.ident(m.member()) + (m.admin() ? " WITH ADMIN OPTION" : "");
      if (pg16 && Boolean.FALSE.equals(adminOn.get(m.role()))) {
        causes.add(grant + " needs ADMIN OPTION on " + Jdbc.ident(m.role()) + " (permission denied to grant role)");
        fixes.add("GRANT " + Jdbc.ident(m.role()) + " TO " + login + " WITH ADMIN OPTION;");
      }
      if (plan.grantors() && m.grantor() != null && !m.grantor().equals(t.user())) {
        if (!pg16) {
          causes.add(grant + " GRANTED BY " + Jdbc.ident(m.grantor()) + ": must be superuser to set grantor");
          fixes.add("restore roles as a superuser");
        } else if (!grantsAs(c, m, privilegesOf, adminOn)) {
          causes.add(grant + " GRANTED BY " + Jdbc.ident(m.grantor()) + " is refused (permission denied to grant privileges"
              + " as role) and pgstream ignores that error, so the membership would be missing");
          fixes.add("run the roles snapshot as a superuser, or " + grant + "; on the target after the snapshot");
        }
      }
    }
    if (causes.isEmpty()) {
      return null;
    }
    return Finding.error(
        Side.TARGET,
        CODE,
        "rolesSnapshotMode restores roles " + String.join(", ", plan.roles().stream().map(r -> Jdbc.ident(r.name())).toList())
            + " as " + t.user() + ", which fails: " + String.join("; ", causes) + ".",
        String.join(" ", fixes.stream().distinct().toList())
            + " Or set spec.snapshot.schema.rolesSnapshotMode: disabled and create the roles on the target yourself.");
  }

  /**
   * Whether the login may GRANT ... GRANTED BY the membership's grantor on PostgreSQL 16+: it needs the
   * grantor's privileges, and the grantor needs ADMIN OPTION on the role, so both must exist already.
   */
  private static boolean grantsAs(Connection c, Membership m, Map<String, Boolean> privilegesOf, Map<String, Boolean> existing)
      throws SQLException {
    return Boolean.TRUE.equals(privilegesOf.get(m.grantor()))
        && existing.containsKey(m.role())
        && Jdbc.isTrue(c, "SELECT pg_has_role(?::name, ?::name, 'MEMBER WITH ADMIN OPTION')", m.grantor(), m.role());
  }
}
