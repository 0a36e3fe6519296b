package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.RdsStatus;
import io.pgstream.operator.api.RebootPolicy;
import io.pgstream.operator.aws.AwsCallFailed;
import io.pgstream.operator.aws.ParameterGroupManager;
import io.pgstream.operator.aws.RdsResource;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * The operator's own parameter-group change for one pipeline, kept in status.rds, and the one reboot
 * it may ask for. A reboot is only ever for a change recorded here: a value someone else staged, or
 * a group-wide pending-reboot status, never reboots anything, and a change is rebooted for once.
 */
final class OwnRdsChange {
  private final Clock clock;

  OwnRdsChange(Clock clock) {
    this.clock = clock;
  }

  /** Keeps what earlier reconciles recorded, while the resource still uses the same parameter group. */
  static void carryOver(RdsStatus before, RdsStatus now) {
    if (before == null || !Objects.equals(before.parameterGroup, now.parameterGroup)) {
      return;
    }
    now.parameterChange = before.parameterChange;
    now.parameterChangedAt = before.parameterChangedAt;
    now.rebootRequestedAt = before.rebootRequestedAt;
  }

  /** A new change: it wants its own reboot, whatever an earlier change had. */
  void record(RdsStatus now, List<String> done) {
    now.parameterChange = String.join("; ", done);
    now.parameterChangedAt = now();
    now.rebootRequestedAt = null;
  }

  /**
   * Whether to reboot now: the operator changed the group, has not rebooted for that change, the
   * spec says Immediate, and the server does not say logical replication is in effect already.
   */
  static boolean due(RdsSpec spec, RdsStatus st, Boolean inEffect) {
    return st.parameterChange != null
        && st.rebootRequestedAt == null
        && spec.rebootPolicy == RebootPolicy.Immediate
        && !Boolean.TRUE.equals(inEffect);
  }

  /** @return false when the writer was busy and is left for a later reconcile */
  boolean reboot(ParameterGroupManager manager, RdsResource resource, RdsStatus st) throws AwsCallFailed {
    if (!manager.rebootWriter(resource)) {
      return false;
    }
    st.rebootRequestedAt = now();
    return true;
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
