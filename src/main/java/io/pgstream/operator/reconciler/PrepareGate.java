package io.pgstream.operator.reconciler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.aws.AwsCallFailed;
import io.pgstream.operator.config.Hashes;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.Login;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.TargetChecks;
import io.pgstream.operator.prepare.Preparer;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies spec.prepare once per config (and after init, hands pgstream's objects to the streaming
 * login), recording what changed in the Prepared condition and an Event.
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
    String hash = Hashes.shortHash(config.contentHash() + json(spec.prepare));
    if (hash.equals(st.prepareHash)) {
      return null;
    }
    Login source = new Login(creds.sourceUser(), creds.sourcePassword());
    Login target = new Login(creds.targetUser(), creds.targetPassword());
    List<String> done = new ArrayList<>();
    try {
      if (spec.prepare.source != null) {
        // An admin from AWS (master user secret, IAM token) serves this preparation only, never a pod.
        Login admin = rds.withAwsAdmin(p, creds).sourceAdmin().orElseThrow();
        done.addAll(preparer.prepareSource(spec, source, admin));
      }
      if (spec.prepare.target != null) {
        done.addAll(preparer.prepareTarget(spec, target, creds.targetAdmin().orElseThrow(), TargetChecks.createsDatabase(spec)));
      }
    } catch (SQLException | AwsCallFailed | IllegalStateException e) {
      String message =
          "Preparing the databases failed after %d change(s): %s"
              .formatted(done.size(), Redactor.redact(e.getMessage(), creds.secretValues()));
      st.prepareHash = null;
      s.set(ConditionType.Prepared, false, "PrepareFailed", message);
      return new Blocker("PrepareFailed", message);
    }
    st.prepareHash = hash;
    String message = done.isEmpty() ? "Logins and grants were already in place" : "Applied: " + String.join("; ", done);
    s.set(ConditionType.Prepared, true, "Prepared", message);
    if (!done.isEmpty()) {
      events.normal(p, "Prepared", message);
    }
    return null;
  }

  /** After init ran as the source admin: the streaming login takes over schema pgstream. */
  Blocker handOver(PgstreamPipeline p, StatusUpdater s, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    if (!p.getSpec().initAsAdmin() || creds.sourceUser().equals(st.pgstreamObjectsOwner)) {
      return null;
    }
    try {
      List<String> done =
          preparer.handOverPgstreamObjects(
              p.getSpec().source, new Login(creds.sourceUser(), creds.sourcePassword()), creds.sourceAdmin().orElseThrow());
      st.pgstreamObjectsOwner = creds.sourceUser();
      if (!done.isEmpty()) {
        events.normal(p, "HandedOver", "pgstream's objects now belong to " + creds.sourceUser() + ": " + String.join("; ", done));
      }
      return null;
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
