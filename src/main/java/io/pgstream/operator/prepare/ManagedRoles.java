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
    /** The admin itself, a superuser, an rds_superuser member or a role with CREATEROLE: never changed. */
    PRIVILEGED,
    /** Marked for this namespace. */
    OWN,
    /** Created by someone else; adoptable. */
    UNMARKED,
    OTHER_NAMESPACE
  }

  /** @param privileges what makes a PRIVILEGED role one, else empty */
  record Standing(Kind kind, List<String> privileges) {}

  private ManagedRoles() {}

  static String mark(String namespace) {
    return MARK + namespace;
  }

  static Standing standing(Connection admin, String role, String namespace) throws SQLException {
    return Jdbc.one(
            admin,
            """
            SELECT r.rolname IN (current_user, session_user), r.rolsuper, r.rolcreaterole,
                   EXISTS (SELECT 1 FROM pg_roles s WHERE s.rolname = 'rds_superuser' AND pg_has_role(r.oid, s.oid, 'MEMBER')),
                   shobj_description(r.oid, 'pg_authid')
              FROM pg_roles r WHERE r.rolname = ?
            """,
            rs -> {
              List<String> privileges = new ArrayList<>();
              if (rs.getBoolean(1)) {
                privileges.add("the admin login itself");
              }
              if (rs.getBoolean(2)) {
                privileges.add("a superuser");
              }
              if (rs.getBoolean(4)) {
                privileges.add("a member of rds_superuser");
              }
              if (rs.getBoolean(3)) {
                privileges.add("allowed to CREATEROLE");
              }
              String mark = rs.getString(5);
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
              return new Standing(kind, privileges);
            },
            role)
        .orElse(new Standing(Kind.MISSING, List.of()));
  }

  /** The comment is quoted by the server (quote_literal), so no second quoting scheme lives here. */
  static String markStatement(Connection admin, String role, String namespace) throws SQLException {
    String literal = Jdbc.one(admin, "SELECT quote_literal(?)", rs -> rs.getString(1), mark(namespace)).orElseThrow();
    return "COMMENT ON ROLE " + Jdbc.ident(role) + " IS " + literal;
  }
}
