package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed and did. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PgstreamPipelineStatus {
  public Long observedGeneration;
  public Phase phase;
  public String replicationSlot;
  public String configHash;
  /** The source server's PostgreSQL major version, as the last preflight read it. */
  public Integer sourceMajorVersion;
  /** The config hash the last passing preflight checked; the checks are not repeated for it. */
  public String preflightHash;
  /** The config and spec.prepare hash the last successful preparation applied. */
  public String prepareHash;
  /** The login that owns schema pgstream after an init run as the source admin handed it over. */
  public String pgstreamObjectsOwner;
  /** Every slot this pipeline may have created and not yet dropped; deletion works from this list. */
  public List<SlotRecord> slotsCreated;
  /** The mode the pipeline first ran with; a different spec.mode blocks (ModeChanged). */
  public PipelineMode mode;
  /** spec.deletionPolicy as last read, so a spec the operator cannot read still deletes as the user asked. */
  public DeletionPolicy deletionPolicy;
  /**
   * Hash of the transformation rules last rendered (none without rules): an edit shows as a new value,
   * and the rows already on the target keep the rules they were written with.
   */
  public String transformationsHash;
  /** A salted hash of the resolved credentials (never the values): a rotation changes it. */
  public String credentialsVersion;
  /** The last pgstream.io/retry value acted on. */
  public String retryHandled;
  /** The last pgstream.io/abort value acted on. */
  public String abortHandled;
  /** The last pgstream.io/restart value acted on: the streaming pod template carries it. */
  public String restartHandled;
  /** The last spec.acknowledgeGap value acted on. */
  public String gapAcknowledged;
  /**
   * What the durable progress record on the target (pgstream_operator.pipelines) last received, as a
   * digest: it is written once per finished step, and again after a lost status was adopted.
   */
  public String progressRecorded;
  /** Status held no progress and the durable records did not settle it: the block and its way out. */
  public UnsettledProgress unsettledProgress;
  /** The source server's system identifier, as the last preflight read it for the current spec. */
  public String sourceSystemIdentifier;
  /** The source (server, database, slot) the snapshot and the slot came from; SlotRecords take precedence. */
  public RecordedIdentity source;
  /** The target the snapshot copied into. */
  public RecordedIdentity target;
  public StepStatus init;
  public StepStatus snapshot;
  /**
   * The last copy of some tables into a streaming target: a backfill of tables added after the snapshot
   * (spec.snapshot.backfill) or a re-snapshot of chosen ones (spec.snapshot.resnapshot, marked resnapshot).
   */
  public StepStatus backfill;
  /** The last spec.snapshot.backfill value acted on. */
  public String backfillHandled;
  /** The last spec.snapshot.resnapshot.value acted on. */
  public String resnapshotHandled;
  public SlotStatus slot;
  public RdsStatus rds;
  public VerificationStatus verification;
  /** With strict mode off: the writes pgstream dropped, from its DATALOSS log records. */
  public DroppedWritesStatus droppedWrites;
  public List<Condition> conditions = new ArrayList<>();
}
