package io.pgstream.operator.preflight;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.tls.TlsVerificationFailed;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Checks that source and target can run the pipeline, over JDBC as the pipeline's own logins, and
 * says what to fix. Read-only: probes run inside transactions that are rolled back.
 */
public class Preflight {
  private final DatabaseConnector connector;

  public Preflight(DatabaseConnector connector) {
    this.connector = connector;
  }

  /**
   * @param slot the pipeline's replication slot
   * @param claim whose the slot is by the pipelines' records (the pipeline's own may be active, and is pgstream's)
   */
  public PreflightReport run(PgstreamPipelineSpec spec, String slot, ResolvedCredentials creds, SlotClaim claim) {
    Checklist list = new Checklist(spec.acknowledge);
    Optional<Login> initLogin = spec.initAsAdmin() ? creds.sourceAdmin() : Optional.empty();
    RoleRestore.Plan roles = null;
    try (Connection c = connect(Side.SOURCE, spec.source, spec.source.database, creds.sourceUser(), creds.sourcePassword(), creds, list)) {
      if (c != null) {
        ServerFacts facts = ServerFacts.read(c);
        list.sourceVersion(facts.versionNum());
        SystemIdentifier.read(c).ifPresent(list::sourceSystemIdentifier);
        new SourceChecks(c, facts, spec, list).run(slot, claim, initLogin.isEmpty());
        if (RoleRestore.restoresRoles(spec)) {
          roles = RoleRestore.read(c, facts, spec);
        }
      }
    } catch (SQLException e) {
      list.fail(checkFailed(Side.SOURCE, e, creds));
    }
    if (initLogin.isPresent() && spec.mode.replicates()) {
      // pgstream init runs as the source admin: its rights are checked on the admin's connection.
      Login admin = initLogin.get();
      try (Connection c = connect(Side.SOURCE, spec.source, spec.source.database, admin.user(), admin.password(), creds, list)) {
        if (c != null) {
          new SourceChecks(c, ServerFacts.read(c), spec, list).initRights();
        }
      } catch (SQLException e) {
        list.fail(checkFailed(Side.SOURCE, e, creds));
      }
    }
    target(spec, creds, list, roles);
    return list.report();
  }

  /** @param roles what the roles snapshot restores, read on the source; null when it restores none */
  private void target(PgstreamPipelineSpec spec, ResolvedCredentials creds, Checklist list, RoleRestore.Plan roles) {
    boolean creates = TargetChecks.createsDatabase(spec);
    // With createTargetDb the database may not exist yet: look from the maintenance database first.
    String database = creates ? "postgres" : spec.target.database;
    try (Connection c = connect(Side.TARGET, spec.target, database, creds.targetUser(), creds.targetPassword(), creds, list)) {
      if (c == null) {
        return;
      }
      ServerFacts facts = ServerFacts.read(c);
      if (roles != null) {
        // Roles are per server: any database of the target shows them.
        list.check(Side.TARGET, "roles snapshot restorable as " + facts.user(), RoleRestore.check(c, facts, spec, roles));
      }
      if (!creates) {
        new TargetChecks(c, facts, spec, list).run();
        return;
      }
      boolean exists =
          Jdbc.isTrue(c, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", spec.target.database);
      if (!exists) {
        new TargetChecks(c, facts, spec, list).runWithoutDatabase();
        return;
      }
      try (Connection db = connector.open(spec.target, spec.target.database, creds.targetUser(), creds.targetPassword())) {
        new TargetChecks(db, ServerFacts.read(db), spec, list).run();
      }
    } catch (SQLException e) {
      list.fail(checkFailed(Side.TARGET, e, creds));
    }
  }

  /** A connection, or null after recording why there is none. */
  private Connection connect(
      Side side, ConnectionSpec spec, String database, String user, String password, ResolvedCredentials creds, Checklist list) {
    try {
      Connection c = connector.open(spec, database, user, password);
      list.pass(side, "connect to " + spec.host + ":" + spec.effectivePort() + "/" + database + " as " + user);
      return c;
    } catch (SQLException e) {
      list.fail(connectionFailure(side, spec, database, user, e, creds));
      return null;
    }
  }

  static Finding connectionFailure(
      Side side, ConnectionSpec spec, String database, String user, SQLException e, ResolvedCredentials creds) {
    String prefix = side == Side.SOURCE ? "Source" : "Target";
    if (e instanceof TlsVerificationFailed tls) {
      return Finding.error(side, prefix + tls.kind().reason(), tls.getMessage(), tls.fix());
    }
    String where = spec.host + ":" + spec.effectivePort() + "/" + database;
    String detail = Redactor.redact(Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName()), creds.secretValues());
    String state = Optional.ofNullable(e.getSQLState()).orElse("");
    if (state.equals("28P01") || state.equals("28000")) {
      return Finding.error(
          side,
          prefix + "AuthenticationFailed",
          "Login as " + user + " to " + where + " was refused: " + detail,
          "Check the username and password in the Secret, and pg_hba / the security group for this client.");
    }
    if (state.equals("3D000")) {
      return Finding.error(
          side,
          prefix + "DatabaseMissing",
          "Database " + database + " does not exist on " + spec.host + ".",
          side == Side.TARGET
              ? "Create it, or set spec.snapshot.schema.createTargetDb: true."
              : "Correct spec.source.database.");
    }
    return Finding.error(
        side,
        prefix + "Unreachable",
        "Cannot connect to " + where + ": " + detail,
        "Check host, port and sslMode, and that the operator's network (security group, NetworkPolicy) reaches the database.");
  }

  private static Finding checkFailed(Side side, SQLException e, ResolvedCredentials creds) {
    return Finding.error(
        side,
        (side == Side.SOURCE ? "Source" : "Target") + "CheckFailed",
        "A check query failed: " + Redactor.redact(String.valueOf(e.getMessage()), creds.secretValues()),
        "Re-run after fixing the cause; the operator retries with backoff.");
  }
}
