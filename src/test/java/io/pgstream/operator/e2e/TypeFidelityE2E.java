package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.CredentialEnv;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.e2e.TypeFamilies.Family;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What pgstream carries exactly, value by value: each type family of {@link TypeFamilies} goes through
 * its own pipeline (the operator's rendered config, strict_mode on, credentials percent-encoded as the
 * operator's Secret holds them) with real {@code pgstream init}, {@code snapshot} and {@code run}; after
 * each phase every value's text and NULL-ness is compared on both sides. The observed matrix must equal
 * {@code type-fidelity/expected.tsv}, so a regression and an improvement both fail; it is written to
 * {@code results/type-fidelity.md} with the atomicity measurement.
 */
class TypeFidelityE2E {
  static final List<String> PHASES = List.of("snapshot", "insert", "update-other", "update-col", "delete");
  /** Plays the RDS master: runs init (event triggers), the snapshot and the stream. */
  static final String MASTER = "tf_master";
  static final String TARGET_LOGIN = "tf_target";
  static final Duration CATCH_UP = Duration.ofSeconds(30);
  /** init and the snapshot of one small table take a few seconds. */
  static final Duration STEP_DEADLINE = Duration.ofSeconds(30);
  static final int PARALLEL = 3;
  static final int TRANSFERS = 400;
  static final Set<String> UPSERT_AGAIN = Set.of("datetime", "composite", "ranges", "money", "arrays");

  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());
  final ResolvedCredentials logins = new ResolvedCredentials(MASTER, Pipelines.SOURCE_PASSWORD, TARGET_LOGIN, Pipelines.TARGET_PASSWORD);

  @Test
  void everyTypeFamilyIsCarriedAsTheExpectedMatrixSays() throws Exception {
    // The last run's databases (kept for inspection) are owned by the logins recreated here.
    source.execute("postgres", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'pgstream\\_default\\_tf\\_%' AND NOT active");
    for (TestPostgres server : List.of(source, target)) {
      try (Connection c = server.connect("postgres");
          Statement st = c.createStatement()) {
        List<String> leftovers = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT quote_ident(datname) FROM pg_database WHERE datname LIKE 'tf\\_%'")) {
          while (rs.next()) {
            leftovers.add(rs.getString(1));
          }
        }
        for (String db : leftovers) {
          st.execute("DROP DATABASE " + db + " WITH (FORCE)");
        }
      }
    }
    source.login(MASTER, Pipelines.SOURCE_PASSWORD, "SUPERUSER");
    target.login(TARGET_LOGIN, Pipelines.TARGET_PASSWORD, "");
    long started = System.nanoTime();

    Map<String, Future<List<String>>> futures = new LinkedHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    try {
      for (Family f : TypeFamilies.all()) {
        futures.put(f.name(), pool.submit(() -> new FamilyRun(f, false).run()));
      }
      // The families the bulk-ingest snapshot (COPY) cannot write, again with the row-by-row snapshot.
      for (Family f : TypeFamilies.all()) {
        if (UPSERT_AGAIN.contains(f.name())) {
          futures.put(f.name() + " (bulkIngest: false)", pool.submit(() -> new FamilyRun(f, true).run()));
        }
      }
      Map<String, List<String>> observed = new LinkedHashMap<>();
      for (var e : futures.entrySet()) {
        observed.put(e.getKey(), e.getValue().get());
      }
      Atomicity atomicity = atomicity();
      long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

      String tsv = tsv(observed);
      Path out = Path.of("target", "type-fidelity-observed.tsv");
      Files.createDirectories(out.getParent());
      Files.writeString(out, tsv);
      Files.writeString(Path.of("results", "type-fidelity.md"), markdown(observed, atomicity, seconds));

      String expected = new String(TypeFidelityE2E.class.getResourceAsStream("/type-fidelity/expected.tsv").readAllBytes(), StandardCharsets.UTF_8);
      assertThat(tsv).as("observed matrix (also in " + out + ")").isEqualTo(expected);
      // However pgstream splits transactions, the end state must match.
      assertThat(atomicity.finalSums()).isEqualTo("2000,2000");
    } finally {
      pool.shutdownNow();
    }
  }

  /** One family's pipeline: init, snapshot, stream, one result per phase. */
  final class FamilyRun {
    final Family f;
    final String db;
    final String targetDb;
    final PgstreamPipeline p;
    final String slot;
    final Map<String, String> files;

    /** @param rowByRow the snapshot writes row by row (bulkIngest false) instead of with COPY */
    FamilyRun(Family f, boolean rowByRow) {
      this.f = f;
      String name = f.name() + (rowByRow ? "-rows" : "");
      this.db = "tf_" + name.replace('-', '_');
      this.targetDb = db + "_target";
      this.p = Pipelines.onServers("tf-" + name, source, db, target, targetDb);
      p.getSpec().tables = f.tables();
      if (rowByRow) {
        p.getSpec().snapshot.bulkIngest = false;
      }
      this.slot = ReplicationSlots.slotFor(p);
      this.files = ownHealthPort(new PgstreamConfigRenderer().render(p).files());
    }

    List<String> run() {
      dropSlot(slot);
      List<String> ddl = new ArrayList<>(f.ddl());
      ddl.add("CREATE TABLE public.tf_marker (phase text PRIMARY KEY)");
      ddl.addAll(f.seed());
      source.database(db, MASTER, ddl.toArray(String[]::new));
      target.database(targetDb, TARGET_LOGIN);

      List<String> cells = new ArrayList<>();
      String initFailure = finish(start(Step.INIT.command(), Step.INIT.configFile()));
      if (initFailure != null) {
        cells.add("init " + initFailure);
        return fill(cells, "not run");
      }
      String snapshotFailure = finish(start(Step.SNAPSHOT.command(), Step.SNAPSHOT.configFile()));
      if (snapshotFailure == null) {
        cells.add(compare());
      } else {
        cells.add("snapshot " + snapshotFailure);
        // The streaming path is separate code: it is still measured, from an empty table on both sides.
        source.execute(db, "DELETE FROM " + f.table());
      }

      PgstreamRunner.Started stream = start(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE);
      try {
        for (String phase : PHASES.subList(1, PHASES.size())) {
          List<String> statements = new ArrayList<>(f.phase(phase));
          statements.add("INSERT INTO public.tf_marker VALUES ('" + phase + "')");
          source.execute(db, statements.toArray(String[]::new));
          boolean arrived = Peers.eventually(CATCH_UP, () -> !stream.process().isAlive() || marker(phase));
          if (arrived && marker(phase)) {
            cells.add(compare());
          } else {
            cells.add(stream.process().isAlive() ? "not applied within " + CATCH_UP.toSeconds() + " s" : "pgstream stopped: " + error(stream.output()));
            return fill(cells, "not run (stopped)");
          }
        }
        return cells;
      } finally {
        stream.stop();
        dropSlot(slot);
      }
    }

    /** Null when the step exits 0; otherwise how it failed or that it hung (pgstream retries some errors forever). */
    private String finish(PgstreamRunner.Started step) {
      try {
        if (!step.process().waitFor(STEP_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
          step.process().destroyForcibly().waitFor();
          return "hung (still retrying after " + STEP_DEADLINE.toSeconds() + " s): " + error(step.output());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return step.process().exitValue() == 0 ? null : "failed: " + error(step.output());
    }

    private boolean marker(String phase) {
      return target.text(targetDb, "SELECT phase FROM public.tf_marker WHERE phase = '" + phase + "'") != null;
    }

    private PgstreamRunner.Started start(List<String> command, String configFile) {
      return pgstream.start(PgstreamPods.args(command, configFile), files, podEnv());
    }

    /** Every value of the compared relation, source against target. */
    private String compare() {
      try {
        List<String> columns = columns();
        return diff(rows(source, db, columns), rows(target, targetDb, columns));
      } catch (SQLException e) {
        return "target unreadable: " + e.getMessage().lines().findFirst().orElse("");
      }
    }

    private List<String> columns() throws SQLException {
      List<String> columns = new ArrayList<>();
      try (Connection c = source.connect(db);
          var st = c.prepareStatement("SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
        st.setString(1, f.table());
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            columns.add(rs.getString(1));
          }
        }
      }
      return columns;
    }

    /** Rows by key (or by their own text when the family has no key); each value as text or null. */
    private Map<String, Map<String, String>> rows(TestPostgres server, String database, List<String> columns) throws SQLException {
      List<String> selected = new ArrayList<>(columns);
      if (f.extra() != null) {
        selected.add(f.extra());
      }
      String sql = "SELECT " + selected.stream().map(c -> c + "::text").collect(Collectors.joining(", ")) + " FROM " + f.table();
      Map<String, Map<String, String>> rows = new TreeMap<>();
      try (Connection c = server.connect(database);
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          Map<String, String> row = new LinkedHashMap<>();
          for (int i = 0; i < selected.size(); i++) {
            row.put(i < columns.size() ? columns.get(i) : "partition", rs.getString(i + 1));
          }
          String key = f.key().isEmpty() ? row.toString() : f.key().stream().map(row::get).collect(Collectors.joining(","));
          // Keyless duplicates would collapse; the families' rows are distinct.
          assertThat(rows.put(key, row)).as("key " + key + " of " + f.table() + " repeats").isNull();
        }
      }
      return rows;
    }

    private String diff(Map<String, Map<String, String>> src, Map<String, Map<String, String>> tgt) {
      List<String> parts = new ArrayList<>();
      List<String> missing = src.keySet().stream().filter(k -> !tgt.containsKey(k)).toList();
      List<String> extra = tgt.keySet().stream().filter(k -> !src.containsKey(k)).toList();
      if (f.key().isEmpty()) {
        if (!missing.isEmpty() || !extra.isEmpty()) {
          parts.add("rows: source %d, target %d; %d source rows not on target (e.g. %s), %d target rows not on source (e.g. %s)"
              .formatted(src.size(), tgt.size(), missing.size(), missing.isEmpty() ? "-" : show(missing.get(0)), extra.size(), extra.isEmpty() ? "-" : show(extra.get(0))));
        }
        return parts.isEmpty() ? "exact" : String.join("; ", parts);
      }
      if (!missing.isEmpty()) {
        parts.add(missing.size() + " rows missing on target (key " + String.join(" ", missing) + ")");
      }
      if (!extra.isEmpty()) {
        parts.add(extra.size() + " extra rows on target (key " + String.join(" ", extra) + ")");
      }
      Map<String, List<String>> byColumn = new LinkedHashMap<>();
      for (var e : src.entrySet()) {
        Map<String, String> t = tgt.get(e.getKey());
        if (t == null) {
          continue;
        }
        for (var col : e.getValue().entrySet()) {
          String s = col.getValue();
          String v = t.get(col.getKey());
          if (s == null ? v != null : !s.equals(v)) {
            byColumn.computeIfAbsent(col.getKey(), k -> new ArrayList<>()).add("key " + e.getKey() + ": " + show(s) + " -> " + show(v));
          }
        }
      }
      byColumn.forEach((col, diffs) -> parts.add(col + " differs in " + diffs.size() + "/" + src.size() + " rows, e.g. " + diffs.get(0)));
      return parts.isEmpty() ? "exact" : String.join("; ", parts);
    }
  }

  /** Appends {@code filler} up to one cell per phase. */
  private static List<String> fill(List<String> cells, String filler) {
    while (cells.size() < PHASES.size()) {
      cells.add(filler);
    }
    return cells;
  }

  /** A value for a one-line cell: NULL, quoted and escaped, long ones shortened to their length and ends. */
  static String show(String v) {
    if (v == null) {
      return "NULL";
    }
    String s = v.length() > 60 ? v.substring(0, 20) + "…(" + v.length() + " chars)…" + v.substring(v.length() - 10) : v;
    return "'" + s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r").replace("|", "\\|") + "'";
  }

  /** The credentials as the operator's derived Secret holds them (percent-encoded), decoded as the pod's env. */
  Map<String, String> podEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    logins.urlEncodedBase64(false).forEach((k, v) -> env.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    assertThat(env).containsKeys(CredentialEnv.SOURCE_USER, CredentialEnv.TARGET_PASSWORD);
    return env;
  }

  /**
   * The rendered files with the health server on a free loopback port: a pod has its own network,
   * here every pgstream shares the host's, and pgstream exits when it cannot bind.
   */
  static Map<String, String> ownHealthPort(Map<String, String> files) {
    String rendered = "0.0.0.0:" + PgstreamConfigRenderer.HEALTH_PORT;
    Map<String, String> out = new LinkedHashMap<>();
    try (ServerSocket free = new ServerSocket(0)) {
      files.forEach((name, yaml) -> {
        assertThat(yaml).contains(rendered);
        out.put(name, yaml.replace(rendered, "127.0.0.1:" + free.getLocalPort()));
      });
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private void dropSlot(String slot) {
    assertThat(Peers.eventually(Duration.ofSeconds(30), () -> {
      source.execute("postgres", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND NOT active");
      return source.text("postgres", "SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'") == null;
    })).as("slot " + slot + " dropped").isTrue();
  }

  private static final Pattern ERROR_FIELD = Pattern.compile("\"error(?:\\.message)?\":\"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * pgstream's last logged error (the error field of its JSON log, or its last plain error line), with
   * memory addresses masked so the text is the same on every run.
   */
  static String error(String output) {
    String last = null;
    for (String line : output.lines().toList()) {
      Matcher m = ERROR_FIELD.matcher(line);
      if (line.startsWith("{") && m.find() && !line.contains("context canceled")) {
        last = m.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
      } else if (line.startsWith("Error: ")) {
        last = line.substring("Error: ".length());
      }
    }
    return last == null ? "(no error logged)" : last.replaceAll("0x[0-9a-f]+", "0x…").replaceAll("\\s+", " ").strip();
  }

  record Atomicity(int transactions, int observations, int brokenOneTable, int brokenTwoTables, String finalSums) {}

  /**
   * Transfers inside one table (two rows) and between two tables, one transaction each, while a reader
   * polls the target's sums in single statements (one snapshot each) and counts broken invariants.
   */
  private Atomicity atomicity() throws Exception {
    Family f = new Family(
        "atomicity",
        TypeFamilies.PUBLIC,
        List.of(
            "CREATE TABLE public.accounts (id int PRIMARY KEY, balance bigint NOT NULL)",
            "CREATE TABLE public.ledger_a (id int PRIMARY KEY, balance bigint NOT NULL)",
            "CREATE TABLE public.ledger_b (id int PRIMARY KEY, balance bigint NOT NULL)"),
        "public.accounts", List.of("id"), null,
        List.of("INSERT INTO public.accounts VALUES (1, 1000), (2, 1000)", "INSERT INTO public.ledger_a VALUES (1, 1000)", "INSERT INTO public.ledger_b VALUES (1, 1000)"),
        List.of(), List.of(), List.of(), List.of());
    FamilyRun run = new FamilyRun(f, false);
    dropSlot(run.slot);
    List<String> ddl = new ArrayList<>(f.ddl());
    ddl.add("CREATE TABLE public.tf_marker (phase text PRIMARY KEY)");
    ddl.addAll(f.seed());
    source.database(run.db, MASTER, ddl.toArray(String[]::new));
    target.database(run.targetDb, TARGET_LOGIN);
    assertThat(run.start(Step.INIT.command(), Step.INIT.configFile()).waitFor()).isZero();
    assertThat(run.start(Step.SNAPSHOT.command(), Step.SNAPSHOT.configFile()).waitFor()).isZero();
    PgstreamRunner.Started stream = run.start(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE);
    try {
      source.execute(run.db, "INSERT INTO public.tf_marker VALUES ('ready')");
      assertThat(Peers.eventually(CATCH_UP, () -> run.marker("ready"))).as(stream.output()).isTrue();
      AtomicBoolean done = new AtomicBoolean();
      int[] counts = new int[3];
      Thread reader = new Thread(() -> {
        try (Connection c = target.connect(run.targetDb);
            Statement st = c.createStatement()) {
          while (!done.get()) {
            try (ResultSet rs = st.executeQuery(
                "SELECT (SELECT sum(balance) FROM public.accounts), (SELECT sum(balance) FROM public.ledger_a) + (SELECT sum(balance) FROM public.ledger_b)")) {
              rs.next();
              counts[0]++;
              counts[1] += rs.getLong(1) == 2000 ? 0 : 1;
              counts[2] += rs.getLong(2) == 2000 ? 0 : 1;
            }
          }
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
      reader.start();
      try (Connection c = source.connect(run.db);
          Statement st = c.createStatement()) {
        c.setAutoCommit(false);
        for (int i = 1; i <= TRANSFERS; i++) {
          int amount = i % 7 + 1;
          st.execute("UPDATE public.accounts SET balance = balance - " + amount + " WHERE id = 1");
          st.execute("UPDATE public.accounts SET balance = balance + " + amount + " WHERE id = 2");
          st.execute("UPDATE public.ledger_a SET balance = balance - " + amount);
          st.execute("UPDATE public.ledger_b SET balance = balance + " + amount);
          c.commit();
        }
        st.execute("INSERT INTO public.tf_marker VALUES ('done')");
        c.commit();
      }
      assertThat(Peers.eventually(CATCH_UP, () -> run.marker("done"))).as(stream.output()).isTrue();
      done.set(true);
      reader.join();
      String sums = target.text(run.targetDb, "SELECT (SELECT sum(balance) FROM public.accounts) || ',' || (SELECT sum(balance) FROM public.ledger_a) + (SELECT sum(balance) FROM public.ledger_b)");
      return new Atomicity(TRANSFERS, counts[0], counts[1], counts[2], sums);
    } finally {
      stream.stop();
      dropSlot(run.slot);
    }
  }

  static String tsv(Map<String, List<String>> observed) {
    StringBuilder out = new StringBuilder("family\t" + String.join("\t", PHASES) + "\n");
    observed.forEach((family, cells) -> out.append(family).append('\t').append(String.join("\t", cells)).append('\n'));
    return out.toString();
  }

  static String markdown(Map<String, List<String>> observed, Atomicity a, long seconds) {
    StringBuilder out = new StringBuilder();
    out.append("# What pgstream ").append(io.pgstream.operator.api.PgstreamVersion.SUPPORTED).append(" carries exactly\n\n");
    out.append("Written by `TypeFidelityE2E` (`make e2e`): PostgreSQL 15 + wal2json to PostgreSQL 15, the operator's rendered config")
        .append(" (snapshot_and_replication, full snapshot, strict_mode true), one pipeline per family; every value compared as text")
        .append(" after each phase. \"exact\" means every row and value (text and NULL-ness) is equal; otherwise the first difference")
        .append(" per column (`source -> target`). Each phase's cell is the state of the whole table after it, so a")
        .append(" snapshot difference shows until a streamed write replaces the row. After a failed or hung snapshot the seeded rows")
        .append(" are deleted at the source and the streaming phases start from an empty table. Rows marked")
        .append(" `(bulkIngest: false)` repeat a family with the row-by-row snapshot instead of COPY. Run took ")
        .append(seconds).append(" s.\n\n");
    out.append("| family | ").append(String.join(" | ", PHASES)).append(" |\n|---|").append("---|".repeat(PHASES.size())).append('\n');
    observed.forEach((family, cells) -> out.append("| ").append(family).append(" | ").append(String.join(" | ", cells)).append(" |\n"));
    out.append("\n## Transaction atomicity on the target\n\n")
        .append(a.transactions()).append(" source transactions, each moving an amount between two rows of `accounts` and between `ledger_a`")
        .append(" and `ledger_b` (sums 2000 each), while a reader polled the target's two sums in single statements.\n\n")
        .append("| reader observations | `accounts` sum broken | `ledger_a + ledger_b` sum broken | final sums |\n|---|---|---|---|\n")
        .append("| ").append(a.observations()).append(" | ").append(a.brokenOneTable()).append(" | ").append(a.brokenTwoTables())
        .append(" | ").append(a.finalSums()).append(" |\n");
    return out.toString();
  }
}
