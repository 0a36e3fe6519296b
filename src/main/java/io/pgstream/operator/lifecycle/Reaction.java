package io.pgstream.operator.lifecycle;

/** What the operator does about one {@link ChangeKind} in one phase; each names its condition reasons. */
public enum Reaction {
  APPLY("Applied: nothing ran that depends on it, so the next steps use the new spec."),
  RESUME("Resumes from status and the owned Jobs; nothing runs twice."),
  WAIT_FOR_STEP(
      "The running Job finishes with its old inputs; the change waits for it (reason SpecChangedDuringInit /"
          + " SpecChangedDuringSnapshot). pgstream.io/abort stops it now."),
  RESTART_STEP(
      "The running Job is deleted in the foreground; once it and its pods are gone the step starts again with the new"
          + " inputs."),
  RERUN_FAILED("The failed step runs again with the new inputs."),
  AUTO_RETRY(
      "The failed step runs again with unchanged inputs, the way pgstream.io/retry runs it (the failed Job and its pods"
          + " gone first), if AutoRetry deems a re-run safe and spec.retry.maxAttempts is not reached; status.init or"
          + " status.snapshot counts the attempts and names the next one's time. After the last, reason RetriesExhausted"
          + " with a Warning Event. Suspended, the re-run waits (HOLD)."),
  ROLL_STREAMING("The streaming Deployment rolls to the new pod template and resumes from the slot: nothing lost."),
  NEXT_SNAPSHOT("Recorded for the next snapshot; nothing runs now."),
  NEW_SNAPSHOT(
      "Streaming stops; init (a new slot only when the source or slot changed), then the snapshot, then streaming"
          + " again. The abandoned slot is dropped (deletionPolicy Delete) or kept and named (Retain)."),
  BLOCK_GAP(
      "Streaming stops and the pipeline blocks (reason SourceChanged / SlotChanged / TargetChanged): a new slot would"
          + " start at the current WAL position and lose every change since the old one. Out: a new snapshot"
          + " (spec.snapshot.nonce) or spec.acknowledgeGap. The old slot is named, and dropped or kept per"
          + " deletionPolicy once the user chose."),
  MARK_STALE(
      "SnapshotStale=True names the added tables; streaming goes on for the others. spec.snapshot.backfill copies just"
          + " those tables (streaming pauses meanwhile), then they stream too."),
  RESNAPSHOT_TABLES(
      "Streaming pauses (the Deployment and its pods go), the chosen tables' target copies are emptied (TRUNCATE, no"
          + " CASCADE) and Job <name>-backfill copies just them, then streaming resumes from the slot, which kept every"
          + " change. Asked for while the snapshot runs, it follows it; asked for before the snapshot Job started, that"
          + " snapshot answers it."),
  RE_PREPARE(
      "Preparation and the preflight run again (an owned login gets the new password); the credentials version rolls"
          + " the streaming Deployment."),
  REFUSE("Refused by the API server (CEL: create a new pipeline instead); a stored change blocks with ModeChanged."),
  BLOCK_SLOT_LOST(
      "Streaming stops (reason SlotLost, naming the last position the operator knows); the slot is never silently"
          + " recreated."
          + " Out: a new snapshot (spec.snapshot.nonce) or spec.acknowledgeGap."),
  ADOPT_OR_BLOCK(
      "Before anything runs, the durable records are read: the pipeline's row in pgstream_operator.pipelines on the"
          + " target (init and snapshot, written after each) and its slot on the source. A matching record (same"
          + " nonce, slot and source database, slot present) is adopted: neither init nor the snapshot runs again and"
          + " streaming resumes from the slot. When they do not settle it (another nonce, the slot gone, a populated"
          + " target without a record), SnapshotStateUnknown blocks until a new spec.snapshot.nonce (new snapshot) or"
          + " spec.acknowledgeGap (on without one)."),
  DELETE(
      "Running init/snapshot Jobs and the Deployment stop first (foreground, until their pods are gone); then the slots"
          + " status.slotsCreated records (not the spec's) are dropped (Delete) or named in a SlotRetained Event (Retain)."
          + " Shared schema pgstream goes (pgstream destroy) only with the last pipeline on that database; the others'"
          + " slots are dropped over JDBC, as in a terminating namespace. An unreadable spec, or what cannot be dropped"
          + " within 10 minutes, ends in a SlotRetained Warning naming each slot: the finalizer always goes."),
  HOLD(
      "Suspended: nothing new starts (init, a snapshot, a backfill, a failed step's re-run) and the streaming Deployment"
          + " is removed; the slot and every record stay. The slot is measured as while streaming: the Ready message and"
          + " status.slot show the WAL it keeps, Degraded (SlotLagHigh) past spec.maxRetainedWalBytes."),
  RECREATE_STREAMING("The streaming Deployment is created again and continues from the slot, which kept every change: nothing lost."),
  NOTHING("Nothing to do in this phase.");

  private final String description;

  Reaction(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }
}
