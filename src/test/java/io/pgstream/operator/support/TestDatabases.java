package io.pgstream.operator.support;

import io.pgstream.operator.durable.ProgressRecords;

/** The source and target databases the operator tests point their pipelines at. */
public final class TestDatabases {
  public static final String SOURCE_DB = "app_source";
  public static final String TARGET_DB = "app_target";
  public static final String SOURCE_USER = "pgstream_source";
  public static final String TARGET_USER = "pgstream_target";
  private static boolean prepared;

  private TestDatabases() {}

  /** What `pgstream init` leaves behind that the operator looks at: the replication slot. */
  public static void createSlot(String slot) {
    ready().execute(SOURCE_DB, "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
  }

  public static boolean slotExists(String slot) {
    return ready().query(SOURCE_DB, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'") == 1;
  }

  /** What a pipeline leaves behind outside Kubernetes: its slots, and the operator's progress records on the target. */
  public static void dropSlots() {
    ready().execute(SOURCE_DB, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
    ready().execute(TARGET_DB, "DROP SCHEMA IF EXISTS " + ProgressRecords.SCHEMA + " CASCADE");
  }

  public static synchronized TestPostgres ready() {
    TestPostgres pg = TestPostgres.rds();
    if (!prepared) {
      pg.login(SOURCE_USER, Pipelines.SOURCE_PASSWORD, "SUPERUSER");
      pg.login(TARGET_USER, Pipelines.TARGET_PASSWORD, "");
      pg.database(SOURCE_DB, "postgres", "CREATE TABLE public.orders (id int PRIMARY KEY, total bigint)");
      pg.database(TARGET_DB, TARGET_USER);
      prepared = true;
    }
    return pg;
  }
}
