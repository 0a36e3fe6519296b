package io.pgstream.operator.dependent;

import io.pgstream.operator.config.Hashes;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import java.util.List;

/** A one-shot pgstream command run as a Job. */
public enum Step {
  /** Creates the pgstream schema, event triggers and the replication slot; idempotent. */
  INIT("init", PgstreamConfigRenderer.REPLICATION_FILE, List.of("init"), 2),
  /**
   * Copies the tables. Never retried by Kubernetes: pgstream snapshots do not resume, and a retry
   * with clean_target_db would wipe what the first attempt wrote.
   */
  SNAPSHOT("snapshot", PgstreamConfigRenderer.SNAPSHOT_FILE, List.of("snapshot"), 0),
  /** Copies just the tables added after the snapshot (spec.snapshot.backfill); never retried, as a snapshot. */
  BACKFILL("backfill", PgstreamConfigRenderer.BACKFILL_FILE, List.of("snapshot"), 0),
  /** Drops the replication slot and the pgstream schema; only with deletionPolicy Delete. */
  DESTROY("destroy", PgstreamConfigRenderer.REPLICATION_FILE, List.of("destroy"), 2);

  private final String suffix;
  private final String configFile;
  private final List<String> command;
  private final int backoffLimit;

  Step(String suffix, String configFile, List<String> command, int backoffLimit) {
    this.suffix = suffix;
    this.configFile = configFile;
    this.command = command;
    this.backoffLimit = backoffLimit;
  }

  public String suffix() {
    return suffix;
  }

  /** The rendered file this step's Job runs with ({@link io.pgstream.operator.config.RenderedConfig#files()}). */
  public String configFile() {
    return configFile;
  }

  /**
   * The ConfigMap key a Job of this step reads for {@code file} (the content of {@link #configFile()}
   * when the Job was created): named after its content, so a pod that starts late or is restarted
   * runs with what its Job was created for, never with a spec edited since ({@link ConfigMapDependent}
   * keeps the key while the Job exists).
   */
  public String jobFile(String file) {
    return "job-" + suffix + "-" + Hashes.shortHash(file) + ".yaml";
  }

  public List<String> command() {
    return command;
  }

  /** Copies tables: needs the runner image with PostgreSQL client tools and runs as the pipeline's own login. */
  public boolean copies() {
    return this == SNAPSHOT || this == BACKFILL;
  }

  public int backoffLimit() {
    return backoffLimit;
  }
}
