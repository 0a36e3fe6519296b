package io.pgstream.operator.support;

/**
 * A source and a target database on the embedded server holding the same rows, for comparisons: a
 * wide table, a table with a composite key, and a table without a primary key. The target's tables
 * belong to the target login, as the ones pgstream creates do.
 */
public final class ComparedDatabases {
  public static final String SOURCE = "verify_src";
  public static final String TARGET = "verify_tgt";
  private static final String[] TABLES = {
    "CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric(12,2), note text, placed timestamptz, tags text[], data jsonb)",
    "INSERT INTO public.orders SELECT g, g * 1.25, CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g END,"
        + " timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', ARRAY['a', g::text], jsonb_build_object('g', g)"
        + " FROM generate_series(1, 2500) g",
    "CREATE TABLE public.lines (order_id bigint, line int, sku text, PRIMARY KEY (order_id, line))",
    "INSERT INTO public.lines SELECT o, l, 'sku-' || o || '-' || l FROM generate_series(1, 400) o, generate_series(1, 3) l",
    "CREATE TABLE public.log (msg text)",
    "INSERT INTO public.log VALUES ('started'), (NULL), ('stopped')"
  };

  private ComparedDatabases() {}

  /** Both databases created afresh with the same rows. */
  public static TestPostgres fresh() {
    TestPostgres pg = TestDatabases.ready();
    pg.database(SOURCE, "postgres", TABLES);
    String[] asTargetLogin = new String[TABLES.length + 1];
    asTargetLogin[0] = "SET ROLE " + TestDatabases.TARGET_USER;
    System.arraycopy(TABLES, 0, asTargetLogin, 1, TABLES.length);
    pg.database(TARGET, TestDatabases.TARGET_USER, asTargetLogin);
    return pg;
  }
}
