package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Writes the target rejected and pgstream dropped (strict mode off), counted from pgstream's own
 * {@code severity: DATALOSS} log records. pgstream's running count restarts with each container, so
 * the count last seen of the current container is kept to add only what is new.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DroppedWritesStatus {
  /** Dropped writes seen since the last snapshot or matching verification after a drop (which resets it). */
  public Long total;
  /** The streaming container last read, as pod/restartCount. */
  public String container;
  /** pgstream's own running count in that container when last read. */
  public Long containerCount;
  public String lastDroppedAt;
}
