package io.pgstream.operator.api;

/**
 * The one pgstream version the operator renders for, runs by default and is tested against. The
 * e2e tier builds exactly this version (e2e/tools/pgstream/go.mod), and so does the runner image;
 * {@code PgstreamVersionPinTest} fails when any of them differ.
 */
public final class PgstreamVersion {
  public static final String SUPPORTED = "1.3.1";

  private PgstreamVersion() {}
}
