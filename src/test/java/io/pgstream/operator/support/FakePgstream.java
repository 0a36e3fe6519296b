package io.pgstream.operator.support;

import io.pgstream.operator.config.PgstreamConfigRenderer;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What pgstream's commands do to the source, as far as the operator's promises depend on it, read
 * from the config a Job's pod started with (the ConfigMap as it was then, not as it is now): init
 * creates the slot its config names (test_decoding, as {@link TestDatabases} does), destroy drops
 * it. Servers are told apart by port, as every test server listens on loopback.
 */
public final class FakePgstream {
  private static final Pattern URL = Pattern.compile("url: \"postgres://[^@]*@([^:/]+):(\\d+)/([^?\"]+)");
  private static final Pattern SLOT = Pattern.compile("replication_slot: (\\S+)");

  /** The slot a replication config reads from: which server (port), which database, which name. */
  public record SlotRef(int port, String database, String name) {}

  private final Map<Integer, TestPostgres> servers;

  public FakePgstream(Map<Integer, TestPostgres> servers) {
    this.servers = servers;
  }

  /** The slot named by the replication.yaml in {@code config} (the ConfigMap's data), if any. */
  public static Optional<SlotRef> slot(Map<String, String> config) {
    String yaml = config == null ? null : config.get(PgstreamConfigRenderer.REPLICATION_FILE);
    if (yaml == null) {
      return Optional.empty();
    }
    Matcher url = URL.matcher(yaml);
    Matcher slot = SLOT.matcher(yaml);
    if (!url.find() || !slot.find()) {
      return Optional.empty();
    }
    return Optional.of(new SlotRef(Integer.parseInt(url.group(2)), url.group(3), slot.group(1)));
  }

  /**
   * pgstream init: creates the slot unless it exists in its database already; empty on success,
   * else pgstream's error (slot names are unique per server, not per database).
   */
  public Optional<String> init(Map<String, String> config) {
    Optional<SlotRef> ref = slot(config);
    if (ref.isEmpty()) {
      return Optional.of("error: no replication slot in the config");
    }
    SlotRef s = ref.get();
    TestPostgres pg = servers.get(s.port());
    String database = pg.text("postgres", "SELECT database FROM pg_replication_slots WHERE slot_name = '" + s.name() + "'");
    if (database == null) {
      pg.execute(s.database(), "SELECT pg_create_logical_replication_slot('" + s.name() + "', 'test_decoding')");
      return Optional.empty();
    }
    return database.equals(s.database())
        ? Optional.empty()
        : Optional.of("error: replication slot \"" + s.name() + "\" already exists");
  }

  /** pgstream destroy: drops the slot its config names, if it is there and nobody streams from it. */
  public void destroy(Map<String, String> config) {
    slot(config).ifPresent(this::drop);
  }

  /** Drops a slot as a failover, a switchover or an administrator would; true when it existed. */
  public boolean drop(SlotRef s) {
    TestPostgres pg = servers.get(s.port());
    return pg.query(
            s.database(),
            "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = '" + s.name()
                + "' AND database = current_database() AND NOT active")
        > 0;
  }
}
