package io.pgstream.operator.credentials;

/** A database login read from a Secret; never printed. */
public record Login(String user, String password) {
  @Override
  public String toString() {
    return "Login[" + user + ", password redacted]";
  }
}
