package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.RecordedIdentity;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.config.Hashes;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.lifecycle.SpecChanges;
import io.pgstream.operator.preflight.Finding;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.preflight.PreflightReport;
import io.pgstream.operator.preflight.Side;
import io.pgstream.operator.preflight.SlotClaim;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.StatusUpdater;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Runs the database preflight once per config and turns it into the SourceReady and TargetReady
 * conditions. A passing result is remembered by config hash, so an unchanged pipeline is not
 * re-checked (and the databases are not queried) on every reconcile.
 */
final class PreflightGate {
  private final Preflight preflight;
  private final EventRecorder events;

  PreflightGate(Preflight preflight, EventRecorder events) {
    this.preflight = preflight;
    this.events = events;
  }

  /**
   * @return the first error when the pipeline may not start, else null
   */
  Finding check(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, RenderedConfig config, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    if (!p.getSpec().preflightEnforced()) {
      st.preflightHash = null;
      st.sourceSystemIdentifier = null;
      s.set(ConditionType.SourceReady, true, "PreflightSkipped", "spec.preflight is Skip: the source was not checked");
      s.set(ConditionType.TargetReady, true, "PreflightSkipped", "spec.preflight is Skip: the target was not checked");
      return null;
    }
    // A rotated password is checked again: a login that no longer works is found here, not by a crash-looping pod.
    String checked = Hashes.shortHash(config.contentHash() + st.credentialsVersion);
    if (checked.equals(st.preflightHash)) {
      return null;
    }
    String slot = ReplicationSlots.slotFor(p);
    boolean initDone = st.init != null && (st.init.succeededFor(config.initHash()) || recordedSlot(p, st));
    SlotClaim claim = SlotClaim.of(p, slot, initDone, ctx.getPrimaryCache().list().toList());
    PreflightReport report = preflight.run(p.getSpec(), slot, creds, claim);
    if (report.sourceMajorVersion() != null) {
      st.sourceMajorVersion = report.sourceMajorVersion();
    }
    st.sourceSystemIdentifier = report.sourceSystemIdentifier();
    condition(s, ConditionType.SourceReady, report, Side.SOURCE);
    condition(s, ConditionType.TargetReady, report, Side.TARGET);
    if (!report.ok()) {
      st.preflightHash = null;
      return report.firstError(Side.SOURCE).orElseGet(() -> report.firstError(Side.TARGET).orElseThrow());
    }
    st.preflightHash = checked;
    for (Side side : Side.values()) {
      report.warnings(side).forEach(w -> events.warning(p, w.code(), w.describe()));
    }
    return null;
  }

  /**
   * init made the slot the spec names (a new endpoint of its server changes init's inputs, not the
   * slot); GapGuard tells that server from another by its system identifier.
   */
  private static boolean recordedSlot(PgstreamPipeline p, PgstreamPipelineStatus st) {
    RecordedIdentity source = SpecChanges.recordedSource(st);
    return st.init.state == StepState.Succeeded
        && source != null
        && ReplicationSlots.slotFor(p).equals(source.slot)
        && p.getSpec().source.database.equals(source.database);
  }

  private static void condition(StatusUpdater s, ConditionType type, PreflightReport report, Side side) {
    List<Finding> errors = report.errors(side);
    if (errors.isEmpty()) {
      List<Finding> warnings = report.warnings(side);
      String message =
          warnings.isEmpty()
              ? "All checks passed"
              : "Checks passed with warnings: " + warnings.stream().map(Finding::describe).collect(Collectors.joining(" "));
      s.set(type, true, "ChecksPassed", message);
    } else {
      s.set(type, false, errors.get(0).code(), errors.stream().map(Finding::describe).collect(Collectors.joining(" ")));
    }
  }
}
