package io.pgstream.operator.lifecycle;

/** The objects a pipeline owns; {@link PhaseTable#desiredChildren} says which of them a stage wants. */
public enum Child {
  CONFIG_MAP("ConfigMap"),
  SECRET("Secret"),
  INIT_JOB("init Job"),
  SNAPSHOT_JOB("snapshot Job"),
  STREAMING_DEPLOYMENT("streaming Deployment"),
  FAILED_JOB("the failed Job (its pod keeps the log)");

  private final String description;

  Child(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }
}
