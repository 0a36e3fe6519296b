package io.pgstream.operator.prepare;

import io.pgstream.operator.api.AdminLoginSpec;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Jdbc;
import io.pgstream.operator.prepare.ManagedRoles.Kind;
import io.pgstream.operator.prepare.ManagedRoles.Standing;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * Decides whether preparation may change the pipeline's login on one side: it creates a missing one
 * (marked as the operator's), adopts an existing one only when asked, keeps the password of its own
 * logins in step with the Secret, and otherwise changes nothing: a wrong password of a login it does
 * not manage is reported, never reset.
 */
final class LoginOwnership {
  /** One side: "source" or "target", where its logins are tried, and its spec.prepare options. */
  record Site(String side, ConnectionSpec server, String database, String namespace, AdminLoginSpec options) {}

  private final DatabaseConnector connector;

  LoginOwnership(DatabaseConnector connector) {
    this.connector = connector;
  }

  /** @return whether the login is the operator's to grant to and alter */
  boolean claim(Connection admin, Site site, Login login, Preparation done) throws SQLException, PreparationRefused {
    boolean create = !Boolean.FALSE.equals(site.options().createRole);
    Standing standing = ManagedRoles.standing(admin, login.user(), site.namespace());
    switch (standing.kind()) {
      case PRIVILEGED -> throw privileged(site, login.user(), standing.privileges());
      case MISSING -> {
        if (create) {
          createMarked(admin, site, login, done);
        }
        // Without createRole a missing login stays missing, and a grant to it fails naming it.
        return true;
      }
      case UNMARKED -> {
        if (Boolean.TRUE.equals(site.options().adoptExistingRole)) {
          if (standing.replicates()) {
            // Its password set to the Secret's, the namespace would hold a login that streams every table's changes.
            throw privileged(site, login.user(), List.of("allowed to replicate (REPLICATION or rds_replication)"));
          }
          done.run(admin, ManagedRoles.markStatement(admin, login.user(), site.namespace()));
          return keepPassword(admin, site, login, create, done);
        }
      }
      case OWN -> {
        return keepPassword(admin, site, login, create, done);
      }
      case OTHER_NAMESPACE -> {}
    }
    if (!passwordWorks(site, login)) {
      throw mismatch(site, login.user(), standing.kind());
    }
    done.leftAlone(
        standing.kind() == Kind.OTHER_NAMESPACE
            ? "%s login %s belongs to pipelines of another namespace: left unchanged, nothing granted to it"
                .formatted(site.side(), login.user())
            : ("%s login %s was not created by the operator: left unchanged, nothing granted to it (set"
                    + " spec.prepare.%s.adoptExistingRole: true to let the operator manage it)")
                .formatted(site.side(), login.user(), site.side()));
    return false;
  }

  /** For a change outside {@link #claim} (the hand-over of pgstream's objects): refused unless the login is the operator's. */
  void requireOwn(Connection admin, Site site, String role, String change) throws SQLException, PreparationRefused {
    if (ManagedRoles.standing(admin, role, site.namespace()).kind() != Kind.OWN) {
      throw new PreparationRefused(
          "RoleNotManaged",
          ("%s needs a change to the %s login %s, which the operator did not create for this namespace and so does"
                  + " not change: make the change yourself, or (for a login no other namespace marked) set"
                  + " spec.prepare.%s.adoptExistingRole: true.")
              .formatted(change, site.side(), role, site.side()));
    }
  }

  private boolean keepPassword(Connection admin, Site site, Login login, boolean create, Preparation done)
      throws SQLException, PreparationRefused {
    if (!passwordWorks(site, login)) {
      if (!create) {
        throw mismatch(site, login.user(), Kind.OWN);
      }
      // The operator's own login: setting it to the Secret's password is rotation.
      setPassword(admin, login);
      done.changed("set password of " + login.user() + " to the Secret's");
    }
    return true;
  }

  /** Creation, mark and password in one transaction, so no unmarked login is ever left behind. */
  private static void createMarked(Connection admin, Site site, Login login, Preparation done) throws SQLException {
    Preparation created = new Preparation();
    admin.setAutoCommit(false);
    try {
      created.run(admin, "CREATE ROLE " + Jdbc.ident(login.user()) + " LOGIN");
      created.run(admin, ManagedRoles.markStatement(admin, login.user(), site.namespace()));
      setPassword(admin, login);
      created.changed("set password of " + login.user());
      admin.commit();
    } catch (SQLException e) {
      admin.rollback();
      throw e;
    } finally {
      admin.setAutoCommit(true);
    }
    done.add(created);
  }

  private boolean passwordWorks(Site site, Login login) throws SQLException {
    try (Connection probe = connector.open(site.server(), site.database(), login.user(), login.password())) {
      return true;
    } catch (SQLException e) {
      if ("28P01".equals(e.getSQLState())) {
        return false;
      }
      throw e;
    }
  }

  /** Sent as a SCRAM verifier computed by the driver, never as plain text that could reach server logs. */
  private static void setPassword(Connection admin, Login login) throws SQLException {
    admin.unwrap(PGConnection.class).alterUserPassword(login.user(), login.password().toCharArray(), "scram-sha-256");
  }

  private static PreparationRefused privileged(Site site, String role, List<String> privileges) {
    return new PreparationRefused(
        "PrivilegedLogin",
        ("The %s login %s is %s. Preparation never changes such a role, not even with adoptExistingRole, and"
                + " nothing was changed. Give the pipeline a login of its own in the Secret of spec.%s.username (a"
                + " login that does not exist yet is created).")
            .formatted(site.side(), role, String.join(" and ", privileges), site.side()));
  }

  private static PreparationRefused mismatch(Site site, String role, Kind kind) {
    String fix =
        switch (kind) {
          case OWN -> "or leave spec.prepare.%s.createRole on so the operator sets it".formatted(site.side());
          case OTHER_NAMESPACE -> "or use a login of this namespace's own";
          default -> "or set spec.prepare.%s.adoptExistingRole: true to let the operator manage the role and set its password"
              .formatted(site.side());
        };
    String whose =
        switch (kind) {
          case OWN -> "";
          case OTHER_NAMESPACE -> " The role belongs to pipelines of another namespace, and the operator does not reset its password.";
          default -> " The operator did not create this role and does not reset passwords of roles it did not create.";
        };
    return new PreparationRefused(
        "LoginPasswordMismatch",
        "The password in the Secret of spec.%s.password does not work for the %s login %s.%s Put the role's current password into the Secret, %s."
            .formatted(site.side(), site.side(), role, whose, fix));
  }
}
