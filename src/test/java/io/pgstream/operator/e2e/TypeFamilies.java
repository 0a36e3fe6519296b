package io.pgstream.operator.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The type families TypeFidelityE2E sends through pgstream, each one source database with one table
 * (a partitioned family: a parent and its partitions) and the SQL of its five phases.
 */
final class TypeFamilies {
  private TypeFamilies() {}

  /**
   * @param tables the pipeline's spec.tables
   * @param table the compared relation, quoted
   * @param key its key columns as quote_ident spells them; empty: rows are compared as a multiset
   * @param extra an expression compared as one more column (e.g. the partition a row is in), or null
   */
  record Family(
      String name,
      List<String> tables,
      List<String> ddl,
      String table,
      List<String> key,
      String extra,
      List<String> seed,
      List<String> insert,
      List<String> updateOther,
      List<String> updateCol,
      List<String> delete) {

    List<String> phase(String phase) {
      return switch (phase) {
        case "insert" -> insert;
        case "update-other" -> updateOther;
        case "update-col" -> updateCol;
        case "delete" -> delete;
        default -> throw new IllegalArgumentException(phase);
      };
    }
  }

  static final List<String> PUBLIC = List.of("public.*");

  /**
   * {@code public.t (id int PRIMARY KEY, other int, <columns>)}: {@code rows} (one SQL tuple of the
   * written columns each) as ids 1..n before the snapshot and as 101..100+n while streaming;
   * update-other bumps {@code other}; update-col moves every row's values to the next row of its
   * group (so each value is written again by an UPDATE); delete removes the even ids.
   */
  static Family standard(String name, List<String> prelude, String columns, List<String> written, List<String> rows) {
    return table(name, prelude, "id int PRIMARY KEY, other int NOT NULL DEFAULT 0, " + columns, List.of(), written, rows, List.of("id"));
  }

  /** Like {@link #standard} with {@code tableOptions} run after the CREATE TABLE and the given key. */
  static Family table(
      String name, List<String> prelude, String body, List<String> tableOptions, List<String> written, List<String> rows, List<String> key) {
    List<String> ddl = new ArrayList<>(prelude);
    ddl.add("CREATE TABLE public.t (" + body + ")");
    ddl.addAll(tableOptions);
    String cols = String.join(", ", written);
    int n = rows.size();
    return new Family(
        name,
        PUBLIC,
        ddl,
        "public.t",
        key,
        null,
        List.of(insert(cols, 1, rows)),
        List.of(insert(cols, 101, rows)),
        List.of("UPDATE public.t SET other = other + 1"),
        List.of(
            "UPDATE public.t SET (" + cols + ") = (SELECT " + cols + " FROM public.t s WHERE s.id = "
                + "CASE WHEN t.id > 100 THEN 101 + (t.id - 100) % " + n + " ELSE 1 + t.id % " + n + " END)"),
        List.of("DELETE FROM public.t WHERE id % 2 = 0"));
  }

  private static String insert(String cols, int firstId, List<String> rows) {
    return "INSERT INTO public.t (id, " + cols + ") VALUES "
        + IntStream.range(0, rows.size()).mapToObj(i -> "(" + (firstId + i) + ", " + rows.get(i) + ")").collect(Collectors.joining(", "));
  }

  static List<Family> all() {
    List<Family> f = new ArrayList<>();
    f.add(standard("integers", List.of(), "s smallint, i int, b bigint", List.of("s", "i", "b"), List.of(
        "-32768, -2147483648, -9223372036854775808",
        "32767, 2147483647, 9223372036854775807",
        "0, 0, 0",
        "-1, -1, -1",
        // 2^53 + 1: the first integer a float64 cannot hold
        "12345, 123456789, 9007199254740993",
        "NULL, NULL, NULL")));
    f.add(standard("numeric", List.of(), "n numeric(40,9), u numeric", List.of("n", "u"), List.of(
        "123456789012345678901234567890.123456789, 123456789012345678901234567890.123456789",
        "0.000000001, 1e-30",
        "'NaN', 'NaN'",
        "-0.000000001, -0.10",
        "1.1, 3.14159265358979323846264338327950288419716939937510",
        "2.000000000, 'Infinity'",
        "-2, '-Infinity'",
        "NULL, 9.99e130")));
    f.add(standard("float", List.of(), "r real, d double precision", List.of("r", "d"), List.of(
        "'NaN', 'NaN'",
        "'Infinity', 'Infinity'",
        "'-Infinity', '-Infinity'",
        "'-0', '-0'",
        // smallest subnormals
        "'1e-45', '5e-324'",
        "'3.4028235e38', '1.7976931348623157e308'",
        "'0.1', '0.1'",
        "'0.33333334', '0.3333333333333333'",
        "NULL, NULL")));
    f.add(standard("text", List.of(), "v text, vc varchar(20), ch char(5)", List.of("v", "vc", "ch"), List.of(
        "'😀👍🏽 emoji', '😀', '😀'",
        "E'e\\u0301 combining, שלום עברית, عربي', 'שלום', 'ab'",
        "E'it''s \"quoted\" \\\\ back\\\\slash \\\\x00', E'a\\\\b', E'\\\\'",
        "E'tab\\there\\nnew line\\r\\n', E'\\t', ' '",
        "'', '', ''",
        "NULL, NULL, NULL",
        "E'{\"a\":1} \\u200f RLM \\\\N', 'NULL', 'null'")));
    f.add(standard("bytea", List.of(), "b bytea", List.of("b"), List.of(
        "'\\x00'", "'\\x0001ff00'", "''", "NULL", "'\\xdeadbeef00'", "'\\x5c7830'")));
    f.add(standard("boolean", List.of(), "b boolean", List.of("b"), List.of("true", "false", "NULL")));
    f.add(standard("datetime", List.of(), "d date, t time, tz timetz, ts timestamp, tstz timestamptz", List.of("d", "t", "tz", "ts", "tstz"), List.of(
        "'infinity', '00:00', '00:00+00', 'infinity', 'infinity'",
        "'-infinity', '24:00:00', '24:00:00-15:59', '-infinity', '-infinity'",
        "'4713-01-01 BC', '23:59:59.999999', '23:59:59.999999+05:30', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC'",
        "'0044-03-15 BC', '12:34:56.789', '12:00:00-03', '0044-03-15 12:00:00 BC', '0001-01-01 00:00:00+00'",
        "'2024-02-29', '00:00:00.000001', '00:00:00.000001+14', '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999999+00'",
        "'294276-12-31', '01:02:03', '01:02:03+00', '294276-12-31 23:59:59.999999', '1999-12-31 23:00:00-08:00'",
        "NULL, NULL, NULL, NULL, NULL")));
    f.add(standard("interval", List.of(), "i interval", List.of("i"), List.of(
        "'1 year 2 months 3 days 04:05:06.789012'",
        "'-1 mons +2 days -00:00:01'",
        "'0'",
        "'-178000000 years'",
        "'1 day -00:00:00.000001'",
        "'35 days'",
        "'25:00:00'",
        "NULL")));
    f.add(standard("uuid", List.of(), "u uuid", List.of("u"), List.of(
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'", "'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'", "NULL")));
    f.add(standard("json", List.of(), "j json, b jsonb", List.of("j", "b"), List.of(
        "'{\"b\":1,\"a\":2}', '{\"b\":1,\"a\":2}'",
        "'{\"a\":1,\"a\":2}', '{\"a\":1,\"a\":2}'",
        "'{ \"x\" : [ 1 , 2 ] }', '{ \"x\" : [ 1 , 2 ] }'",
        "'\"str\"', '\"str\"'",
        "'null', 'null'",
        "NULL, NULL",
        "'1.000000000000000000001', '1.000000000000000000001'",
        "'{\"big\":12345678901234567890,\"f\":1.0e2}', '{\"big\":12345678901234567890,\"f\":1.0e2}'",
        "'{\"u\":\"\\u00e9\\n\\\\\"}', '{\"u\":\"\\u00e9\\n\\\\\"}'")));
    f.add(standard("arrays", List.of(), "ia int[], im int[], ta text[]", List.of("ia", "im", "ta"), List.of(
        "'{1,NULL,3}', '{{1,2},{3,4}}', '{\"a,b\",\"c\\\"d\",NULL,\"NULL\",\"\"}'",
        "'{}', '{}', '{}'",
        "'[0:1]={7,8}', '{{{1}}}', '{\"with space\",\"back\\\\\\\\slash\",\"{braces}\"}'",
        "'{NULL}', '{{NULL,NULL}}', '{\"😀\"}'",
        "NULL, NULL, NULL")));
    f.add(standard("enum", List.of("CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'with space', 'Ünï')"),
        "e public.mood, ea public.mood[]", List.of("e", "ea"), List.of(
        "'sad', '{sad,ok}'", "'with space', '{\"with space\"}'", "'Ünï', '{}'", "NULL, NULL")));
    f.add(standard("domain", List.of(
            "CREATE DOMAIN public.posint AS int CHECK (VALUE > 0)",
            "CREATE DOMAIN public.short_text AS text CHECK (length(VALUE) < 10)",
            "CREATE DOMAIN public.amount AS numeric(12,2)"),
        "p public.posint, st public.short_text, a public.amount", List.of("p", "st", "a"), List.of(
        "1, 'a', 12.34", "2147483647, '', 0.10", "NULL, NULL, NULL")));
    f.add(standard("composite", List.of("CREATE TYPE public.pair AS (a int, b text, n numeric)"),
        "c public.pair, ca public.pair[]", List.of("c", "ca"), List.of(
        "'(1,\"x y\",1.5)', '{\"(1,a,2)\",\"(,,)\"}'",
        "'(,,)', '{}'",
        "ROW(NULL, '', 'NaN')::public.pair, NULL",
        "'(2,\"quo\\\"te,d\",123456789012345678901234567890.1)', '{NULL}'",
        "NULL, NULL")));
    f.add(standard("ranges", List.of(), "r int4range, tr tstzrange, nr numrange, dr daterange", List.of("r", "tr", "nr", "dr"), List.of(
        "'[1,10)', '[2024-01-01 00:00:00.000001+00,infinity)', '(1.5,2.5]', '[2024-01-01,)'",
        "'empty', 'empty', 'empty', 'empty'",
        "'(,5]', '(,)', '[0,0]', '(,)'",
        "NULL, NULL, NULL, NULL")));
    f.add(standard("network", List.of(), "i inet, c cidr, m macaddr, m8 macaddr8", List.of("i", "c", "m", "m8"), List.of(
        "'192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05'",
        "'::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', '00:00:00:ff:fe:00:00:00'",
        "'::ffff:10.1.2.3/128', '192.168.0.0/16', '00:00:00:00:00:00', '08:00:2b:01:02:03'",
        "NULL, NULL, NULL, NULL")));
    f.add(standard("money", List.of(), "m money", List.of("m"), List.of(
        "'1234.56'", "'-0.01'", "'92233720368547758.07'", "'-92233720368547758.08'", "NULL")));
    f.add(standard("bits", List.of(), "b bit(8), vb varbit", List.of("b", "vb"), List.of(
        "B'10101010', B'1'", "B'00000000', B''", "B'11111111', B'0101010101010101010101010101010101010101010101010101010101010101010101'",
        "NULL, NULL")));
    f.add(standard("generated", List.of(), "v int, g int GENERATED ALWAYS AS (v * 2) STORED", List.of("v"), List.of("1", "2", "NULL")));
    // The streaming losses of numeric, float and bytea, behind a domain or inside an array.
    f.add(standard("wrapped", List.of(
            "CREATE DOMAIN public.big_numeric AS numeric",
            "CREATE DOMAIN public.float_d AS double precision",
            "CREATE DOMAIN public.bytes AS bytea"),
        "dn public.big_numeric, df public.float_d, db public.bytes, an numeric[], af float8[], ab bytea[]",
        List.of("dn", "df", "db", "an", "af", "ab"), List.of(
        "123456789012345678901234567890.123456789, 'NaN', '\\x00ff', '{123456789012345678901234567890.1,NaN}', '{NaN,Infinity,-0}', ARRAY['\\x00'::bytea]",
        "-0.10, '-Infinity', '', '{-0.10}', '{0.1}', '{}'",
        "NULL, NULL, NULL, NULL, NULL, NULL")));
    f.add(toast());
    f.add(table("nopk-default", List.of(), "id int NOT NULL, other int NOT NULL DEFAULT 0, v text", List.of(),
        List.of("v"), List.of("'a'", "'b'", "'c'", "NULL"), List.of()));
    f.add(table("nopk-full", List.of(), "id int NOT NULL, other int NOT NULL DEFAULT 0, v text",
        List.of("ALTER TABLE public.t REPLICA IDENTITY FULL"), List.of("v"), List.of("'a'", "'b'", "'c'", "NULL"), List.of()));
    f.add(partitioned());
    f.add(mixedCase());
    return f;
  }

  /** Values over 1 MB kept out of line and uncompressed (STORAGE EXTERNAL), beside a small one and NULL. */
  private static Family toast() {
    String big = "(SELECT string_agg(md5(i::text), '') FROM generate_series(1, 40000) i)";
    return table("toast", List.of(), "id int PRIMARY KEY, other int NOT NULL DEFAULT 0, big text",
        List.of("ALTER TABLE public.t ALTER COLUMN big SET STORAGE EXTERNAL"), List.of("big"),
        List.of(big, "'small'", big + " || 'x'", "NULL"), List.of("id"));
  }

  /** Rows in three partitions; update-col moves every row to another partition. */
  private static Family partitioned() {
    String rows = "('eu', 'a'), ('us', 'b'), ('ap', 'c'), ('eu', NULL)";
    return new Family(
        "partitioned",
        PUBLIC,
        List.of(
            "CREATE TABLE public.t (id int, region text, v text, other int NOT NULL DEFAULT 0, PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
            "CREATE TABLE public.t_eu PARTITION OF public.t FOR VALUES IN ('eu')",
            "CREATE TABLE public.t_us PARTITION OF public.t FOR VALUES IN ('us')",
            "CREATE TABLE public.t_rest PARTITION OF public.t DEFAULT"),
        "public.t",
        List.of("id"),
        "tableoid::regclass::text",
        List.of("INSERT INTO public.t (id, region, v) SELECT row_number() OVER (), * FROM (VALUES " + rows + ") r"),
        List.of("INSERT INTO public.t (id, region, v) SELECT 100 + row_number() OVER (), * FROM (VALUES " + rows + ") r"),
        List.of("UPDATE public.t SET other = other + 1"),
        List.of("UPDATE public.t SET region = CASE region WHEN 'eu' THEN 'us' WHEN 'us' THEN 'ap' ELSE 'eu' END"),
        List.of("DELETE FROM public.t WHERE id % 2 = 0"));
  }

  /** A mixed-case schema, a table name with a space and a key column with a space. */
  private static Family mixedCase() {
    String t = "\"MixedCase\".\"Spaced Table\"";
    return new Family(
        "mixed-case",
        List.of("public.*", "MixedCase.*"),
        List.of("CREATE SCHEMA \"MixedCase\"", "CREATE TABLE " + t + " (\"Order Id\" int PRIMARY KEY, \"Value\" text, other int NOT NULL DEFAULT 0)"),
        t,
        List.of("\"Order Id\""),
        null,
        List.of("INSERT INTO " + t + " VALUES (1, 'a'), (2, 'B'), (3, NULL)"),
        List.of("INSERT INTO " + t + " VALUES (101, 'a'), (102, 'B'), (103, NULL)"),
        List.of("UPDATE " + t + " SET other = other + 1"),
        List.of("UPDATE " + t + " SET \"Value\" = coalesce(\"Value\", '') || ' Upd'"),
        List.of("DELETE FROM " + t + " WHERE \"Order Id\" % 2 = 0"));
  }
}
