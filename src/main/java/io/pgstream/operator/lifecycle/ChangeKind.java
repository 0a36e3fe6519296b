package io.pgstream.operator.lifecycle;

/**
 * Every kind of change a pipeline meets while it lives: spec edits, the user's verbs, and what
 * happens to it from outside. {@link PhaseTable} says what the operator does for each in each phase.
 */
public enum ChangeKind {
  SOURCE_ENDPOINT("source host or port edited, same server (same system identifier and database)"),
  SOURCE_IDENTITY("another source server or database (system identifier or database differs)"),
  SLOT("spec.replicationSlot edited"),
  TARGET("target host, port or database edited"),
  TABLES_ADDED("spec.tables/excludedTables/snapshot.schemaOnlyTables now select rows of tables the last snapshot did not copy"),
  TABLES_REMOVED("spec.tables/excludedTables/snapshot.schemaOnlyTables no longer select the rows of some tables"),
  MODE("spec.mode edited"),
  SNAPSHOT_TUNING("snapshot settings edited (spec.snapshot: mode, schema options, workers, schema/table/copy workers, bulk ingest, populatedTarget)"),
  STREAM_TUNING("streaming settings edited (spec.target batch, onConflictAction, strictMode, disableTriggers, ignoreDdl)"),
  TRANSFORMATIONS("transformation rules edited: spec.transformations, or the ConfigMap its rulesFrom names"),
  POD_TEMPLATE("pod template edited: spec.image, spec.resources, spec.podTemplate, the operator's runner or pgstream image"),
  CREDENTIALS("a referenced Secret's value rotated, or another Secret referenced"),
  PREPARE("spec.prepare edited"),
  SNAPSHOT_NONCE("spec.snapshot.nonce edited: a new snapshot asked for"),
  RESNAPSHOT("spec.snapshot.resnapshot.value edited: chosen tables the target holds copied again"),
  RETRY("annotation pgstream.io/retry set to a new value"),
  RETRY_DUE("the back-off before a failed step's automatic retry (spec.retry) elapsed"),
  ABORT("annotation pgstream.io/abort set to a new value"),
  SUSPEND("spec.state set to Suspended"),
  RESUME_RUNNING("spec.state set back to Running (or removed)"),
  RESTART_STREAMING("annotation pgstream.io/restart set to a new value"),
  SLOT_LOST("the slot disappeared from the source (failover, blue/green switchover, manual drop)"),
  LOST_STATUS("status erased (backup restore without status, replace --force, CRD reinstall)"),
  OPERATOR_RESTART("the operator restarted or lost its leader lease"),
  DELETION("the pipeline deleted");

  private final String description;

  ChangeKind(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }
}
