package io.pgstream.operator.reconciler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.aws.AwsCallFailed;
import io.pgstream.operator.config.Hashes;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.TargetChecks;
import io.pgstream.operator.prepare.Preparation;
import io.pgstream.operator.prepare.PreparationRefused;
import io.pgstream.operator.prepare.Preparer;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies spec.prepare once per config (and after init, hands pgstream's objects to the streaming
 * login), recording what changed, and which logins it left alone, in the Prepared condition and an
 * Event. A refusal (a login it may not change, an AWS admin asked for too much) blocks with its own
 * reason.
 */
final class PrepareGate {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Preparer preparer;
  private final RdsGate rds;
  private final EventRecorder events;

  PrepareGate(Preparer preparer, RdsGate rds, EventRecorder events) {
    this.preparer = preparer;
    this.rds = rds;
    this.events = events;
  }

  /** Runs before the preflight; null when there is nothing to do or it succeeded. */
  Blocker prepare(PgstreamPipeline p, StatusUpdater s, RenderedConfig config, ResolvedCredentials creds) {
    PgstreamPipelineSpec spec = p.getSpec();
    PgstreamPipelineStatus st = s.status();
    if (spec.prepare == null) {
      st.prepareHash = null;
      return null;
    }
    // The credentials version makes a rotated Secret prepare again: an owned login gets the new password.
    String hash = Hashes.shortHash(config.contentHash() + json(spec.prepare) + st.credentialsVersion);
    if (hash.equals(st.prepareHash)) {
      return null;
    }
    // Refused before the admin is fetched from AWS, so a refused pipeline never gets the master password.
    Blocker refused = awsAdminRefusal(spec);
    if (refused != null) {
      return failed(s, refused.reason(), refused.message());
    }
    Login source = new Login(creds.sourceUser(), creds.sourcePassword());
    Login target = new Login(creds.targetUser(), creds.targetPassword());
    // Redaction covers the admin from AWS too, once it is known.
    ResolvedCredentials effective = creds;
    Preparation done = new Preparation();
    try {
      if (spec.prepare.source != null) {
        // An admin from AWS (master user secret, IAM token) serves this preparation only, never a pod.
        effective = rds.withAwsAdmin(p, creds);
        done.add(preparer.prepareSource(p, source, effective.sourceAdmin().orElseThrow()));
      }
      if (spec.prepare.target != null) {
        done.add(preparer.prepareTarget(p, target, effective.targetAdmin().orElseThrow(), TargetChecks.createsDatabase(spec)));
      }
    } catch (PreparationRefused e) {
      return failed(s, e.reason(), Redactor.redact(e.getMessage(), effective.secretValues()));
    } catch (SQLException | AwsCallFailed | IllegalStateException e) {
      return failed(
          s,
          "PrepareFailed",
          "Preparing the databases failed after %d change(s): %s"
              .formatted(done.changes().size(), Redactor.redact(e.getMessage(), effective.secretValues())));
    }
    st.prepareHash = hash;
    List<String> parts = new ArrayList<>();
    if (!done.changes().isEmpty()) {
      parts.add("Applied: " + String.join("; ", done.changes()));
    }
    parts.addAll(done.untouched());
    String message = parts.isEmpty() ? "Logins and grants were already in place" : String.join(". ", parts);
    s.set(ConditionType.Prepared, true, "Prepared", message);
    if (!parts.isEmpty()) {
      events.normal(p, "Prepared", message);
    }
    return null;
  }

  /**
   * An admin fetched from AWS acts only for the logins the operator creates: it never hands out
   * rds_superuser and never adopts an existing role, so a pipeline cannot borrow the master user's
   * powers over other roles.
   */
  private static Blocker awsAdminRefusal(PgstreamPipelineSpec spec) {
    if (!spec.adminFromAws()) {
      return null;
    }
    SourcePrepareSpec options = spec.prepare.source;
    if (Boolean.TRUE.equals(options.grantRdsSuperuser)) {
      return awsAdminRefusal(
          "AwsAdminCannotGrantRdsSuperuser",
          "grantRdsSuperuser",
          "the operator never grants rds_superuser with a login it fetched from AWS. Grant it yourself");
    }
    if (Boolean.TRUE.equals(options.adoptExistingRole)) {
      return awsAdminRefusal(
          "AwsAdminCannotAdopt",
          "adoptExistingRole",
          "that admin only creates and prepares logins of the operator's own. Remove adoptExistingRole and name a login"
              + " that does not exist yet");
    }
    return null;
  }

  private static Blocker awsAdminRefusal(String reason, String field, String why) {
    return new Blocker(
        reason,
        ("spec.prepare.source.%s is refused with an admin from AWS (spec.source.rds.masterUserSecret or"
                + " iamAuthentication): %s, or give spec.prepare.source an admin login from a Kubernetes Secret"
                + " (adminUsername, adminPassword) without spec.source.rds.masterUserSecret and iamAuthentication.")
            .formatted(field, why));
  }

  private static Blocker failed(StatusUpdater s, String reason, String message) {
    s.status().prepareHash = null;
    s.set(ConditionType.Prepared, false, reason, message);
    return new Blocker(reason, message);
  }

  /** After init ran as the source admin: the streaming login takes over schema pgstream. */
  Blocker handOver(PgstreamPipeline p, StatusUpdater s, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    if (!p.getSpec().initAsAdmin() || creds.sourceUser().equals(st.pgstreamObjectsOwner)) {
      return null;
    }
    try {
      List<String> done =
          preparer.handOverPgstreamObjects(p, new Login(creds.sourceUser(), creds.sourcePassword()), creds.sourceAdmin().orElseThrow());
      st.pgstreamObjectsOwner = creds.sourceUser();
      if (!done.isEmpty()) {
        events.normal(p, "HandedOver", "pgstream's objects now belong to " + creds.sourceUser() + ": " + String.join("; ", done));
      }
      return null;
    } catch (PreparationRefused e) {
      return new Blocker(e.reason(), e.getMessage());
    } catch (SQLException e) {
      return new Blocker(
          "HandOverFailed",
          "Giving schema pgstream to " + creds.sourceUser() + " failed: " + Redactor.redact(e.getMessage(), creds.secretValues()));
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("spec.prepare is plain data and always serialises", e);
    }
  }
}
