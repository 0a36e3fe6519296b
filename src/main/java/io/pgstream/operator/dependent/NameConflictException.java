package io.pgstream.operator.dependent;

/** An object the operator would create already exists and belongs to someone else. */
public class NameConflictException extends RuntimeException {
  public NameConflictException(String message) {
    super(message);
  }
}
