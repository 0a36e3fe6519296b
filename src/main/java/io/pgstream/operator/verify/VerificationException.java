package io.pgstream.operator.verify;

/** A verification that could not give an answer; the message names the cause and holds no secret. */
public class VerificationException extends Exception {
  public VerificationException(String message) {
    super(message);
  }
}
