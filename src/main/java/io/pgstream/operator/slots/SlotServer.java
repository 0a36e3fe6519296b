package io.pgstream.operator.slots;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.config.Hashes;
import java.util.Locale;

/**
 * A source database as the slot watch connects to it: pipelines with the same server, database and
 * login share one query. The fingerprint (a hash of password and TLS settings, never the values)
 * keeps pipelines apart whose connections would differ, such as one with a rotated password.
 */
public record SlotServer(String host, int port, String database, String user, String fingerprint) {
  public static SlotServer of(ConnectionSpec source, String user, String password) {
    String tls = source.effectiveSslMode() + "\n" + (source.trustedCa == null ? "" : source.trustedCa.pem());
    return new SlotServer(
        source.host.toLowerCase(Locale.ROOT), source.effectivePort(), source.database, user, Hashes.shortHash(password + "\n" + tls));
  }

  /** For logs and messages: no password, no fingerprint. */
  @Override
  public String toString() {
    return user + "@" + host + ":" + port + "/" + database;
  }
}
