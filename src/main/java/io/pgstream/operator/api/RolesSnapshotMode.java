package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** pgstream's {@code roles_snapshot_mode}. */
public enum RolesSnapshotMode {
  @JsonProperty("enabled")
  ENABLED,
  @JsonProperty("disabled")
  DISABLED,
  @JsonProperty("no_passwords")
  NO_PASSWORDS
}
