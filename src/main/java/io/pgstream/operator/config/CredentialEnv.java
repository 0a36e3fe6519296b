package io.pgstream.operator.config;

/**
 * Names of the environment variables that carry credentials into the pgstream container. The
 * rendered config references them as {@code ${NAME}}, which pgstream (v1.1+) substitutes before
 * parsing, so no credential is ever written into the ConfigMap.
 */
public final class CredentialEnv {
  public static final String SOURCE_USER = "PGSTREAM_SOURCE_USER";
  public static final String SOURCE_PASSWORD = "PGSTREAM_SOURCE_PASSWORD";
  public static final String TARGET_USER = "PGSTREAM_TARGET_USER";
  public static final String TARGET_PASSWORD = "PGSTREAM_TARGET_PASSWORD";
  /** Keys of the credentials Secret that an init Job running as the source admin maps onto SOURCE_*. */
  public static final String SOURCE_ADMIN_USER = "PGSTREAM_SOURCE_ADMIN_USER";
  public static final String SOURCE_ADMIN_PASSWORD = "PGSTREAM_SOURCE_ADMIN_PASSWORD";

  private CredentialEnv() {}

  static String reference(String name) {
    return "${" + name + "}";
  }
}
