package io.pgstream.operator.prepare;

import io.pgstream.operator.preflight.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which roles preparation may change. The operator marks the roles it creates with a comment naming
 * the namespace: the namespace, not the pipeline, because whoever may create pipelines in a namespace
 * holds its Secrets, so its pipelines may share a login and a successor may take over a deleted
 * pipeline's login; a role marked for another namespace is as foreign as an unmarked one.
 */
final class ManagedRoles {
  private static final String MARK = "managed-by=pgstream-operator namespace=";

  enum Kind {
    MISSING,
    /**
     * The admin itself, a superuser, a role with CREATEROLE or BYPASSRLS, or a member (directly or
     * through other roles) of rds_superuser or of a predefined role that reads or writes all data or
     * the server's files: never changed.
     */
    PRIVILEGED,
    /** Marked for this namespace. */
    OWN,
    /** Created by someone else; adoptable unless it may replicate. */
    UNMARKED,
    OTHER_NAMESPACE
  }

  /** Roles whose members hold powers a tenant's login must not gain by adoption. */
  private static final List<String> PRIVILEGED_ROLES =
      List.of(
          "rds_superuser",
          "pg_read_all_data",
          "pg_write_all_data",
          "pg_read_server_files",
          "pg_write_server_files",
          "pg_execute_server_program");

  /**
   * @param privileges what makes a PRIVILEGED role one, else empty
   * @param replicates whether the role has REPLICATION or is an rds_replication member: the operator
   *     gives that to its own source logins, so it bars only adoption (it reads every table's changes)
   */
  record Standing(Kind kind, List<String> privileges, boolean replicates) {}

  private ManagedRoles() {}

  static String mark(String namespace) {
    return MARK + namespace;
  }

  static Standing standing(Connection admin, String role, String namespace) throws SQLException {
    return Jdbc.one(
            admin,
            """
            SELECT r.rolname IN (current_user, session_user), r.rolsuper, r.rolcreaterole, r.rolbypassrls,
                   ARRAY(SELECT s.rolname FROM pg_roles s
                          WHERE s.rolname::text = ANY (?) AND pg_has_role(r.oid, s.oid, 'MEMBER') ORDER BY s.rolname)::text[],
                   r.rolreplication
                     OR EXISTS (SELECT 1 FROM pg_roles s WHERE s.rolname = 'rds_replication' AND pg_has_role(r.oid, s.oid, 'MEMBER')),
                   shobj_description(r.oid, 'pg_authid')
              FROM pg_roles r WHERE r.rolname = ?
            """,
            rs -> {
              List<String> privileges = new ArrayList<>();
              boolean superuser = rs.getBoolean(2);
              if (rs.getBoolean(1)) {
                privileges.add("the admin login itself");
              }
              if (superuser) {
                privileges.add("a superuser");
              } else {
                // A superuser counts as a member of every role; its memberships say nothing more.
                for (String member : (String[]) rs.getArray(5).getArray()) {
                  privileges.add("a member of " + member);
                }
              }
              if (rs.getBoolean(3)) {
                privileges.add("allowed to CREATEROLE");
              }
              if (rs.getBoolean(4)) {
                privileges.add("allowed to BYPASSRLS");
              }
              String mark = rs.getString(7);
              Kind kind;
              if (!privileges.isEmpty()) {
                kind = Kind.PRIVILEGED;
              } else if (mark(namespace).equals(mark)) {
                kind = Kind.OWN;
              } else if (mark != null && mark.startsWith(MARK)) {
                kind = Kind.OTHER_NAMESPACE;
              } else {
                kind = Kind.UNMARKED;
              }
              return new Standing(kind, privileges, rs.getBoolean(6));
            },
            PRIVILEGED_ROLES,
            role)
        .orElse(new Standing(Kind.MISSING, List.of(), false));
  }

  /** The comment is quoted by the server (quote_literal), so no second quoting scheme lives here. */
  static String markStatement(Connection admin, String role, String namespace) throws SQLException {
    String literal = Jdbc.one(admin, "SELECT quote_literal(?)", rs -> rs.getString(1), mark(namespace)).orElseThrow();
    return "COMMENT ON ROLE " + Jdbc.ident(role) + " IS " + literal;
  }
}
