package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.ColumnTransformer;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SnapshotMode;
import io.pgstream.operator.api.SnapshotSpec;
import io.pgstream.operator.api.TableTransformation;
import io.pgstream.operator.api.TransformationsSpec;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.Finding;
import io.pgstream.operator.preflight.Preflight;
import io.pgstream.operator.preflight.PreflightReport;
import io.pgstream.operator.preflight.Side;
import io.pgstream.operator.preflight.SlotClaim;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import io.pgstream.operator.verify.TableResult;
import io.pgstream.operator.verify.VerificationReport;
import io.pgstream.operator.verify.Verifier;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Column anonymisation with real pgstream 1.3.1 and the operator's rendered config: e-mails and names
 * masked on the target after the snapshot and while streaming, every other column byte-exact, the
 * source unchanged; verification leaves the masked columns out and names them. And the preflight's
 * verdict on a rule naming a column that does not exist is pgstream's own: it refuses to start.
 */
class TransformationsE2E {
  static final String PW = "xform-pw-1";
  static final String SRC = "xform_e2e";
  static final String TGT = "xform_e2e_target";
  static final String CUSTOMERS =
      "CREATE TABLE public.customers (id bigint PRIMARY KEY, email text NOT NULL, full_name text, city text, joined date)";
  static final int ROWS = 500;
  /** Every column, as text, in key order: what "byte-exact" and "unchanged" compare. */
  static final String ROWS_AS_TEXT = "SELECT coalesce(string_agg(%s, E'\\n' ORDER BY id), '') FROM public.customers WHERE %s";
  static final String UNMASKED = "id::text || '|' || coalesce(city, '~') || '|' || coalesce(joined::text, '~')";
  static final String ALL = "id::text || '|' || email || '|' || coalesce(full_name, '~') || '|' || " + UNMASKED;

  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());
  final ResolvedCredentials logins = new ResolvedCredentials("xform_src", PW, "xform_tgt", PW);

  @Test
  void maskedColumnsArriveMaskedAfterTheSnapshotAndWhileStreamingOthersExactSourceUnchanged() throws Exception {
    Peers.freshPair("xform", PW, CUSTOMERS);
    source.execute(
        SRC,
        "INSERT INTO public.customers SELECT g, 'person' || g || '@corp.example.org', 'Given' || g || ' Family' || g,"
            + " CASE WHEN g % 7 = 0 THEN NULL ELSE 'city ' || g END, date '2020-01-01' + g FROM generate_series(1, " + ROWS + ") g");
    // Rows 1-3 are updated on the source later; the others must stay as they are.
    String untouched = "id > 3";
    String sourceBefore = source.text(SRC, ROWS_AS_TEXT.formatted(ALL, untouched));

    PgstreamPipeline p = pipeline(rules("email", "full_name"));
    PreflightReport preflight = new Preflight(DatabaseConnector.defaults()).run(p.getSpec(), ReplicationSlots.slotFor(p), logins, SlotClaim.NONE);
    assertThat(preflight.errors(Side.SOURCE)).as("preflight").isEmpty();
    assertThat(preflight.passed()).contains("source: transformation rules name selected tables and existing columns");

    Map<String, String> files = PgstreamRunner.onFreeHealthPort(new HashMap<>(new PgstreamConfigRenderer().render(p).files()));
    for (String file : List.of(PgstreamConfigRenderer.SNAPSHOT_FILE, PgstreamConfigRenderer.REPLICATION_FILE)) {
      assertThat(files.get(file)).as(file).contains("transformations:").contains("on_error: fail");
    }
    Map<String, String> env = PgstreamRunner.env(logins);
    String slot = ReplicationSlots.slotFor(p);
    for (Step step : List.of(Step.INIT, Step.SNAPSHOT)) {
      PgstreamRunner.Started run = pgstream.start(PgstreamPods.args(step.command(), step.configFile()), files, env);
      assertThat(run.waitFor()).as(run.output()).isZero();
    }
    try {
      assertMaskedAndExact(ROWS, "after the snapshot");

      PgstreamRunner.Started run = pgstream.start(PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE), files, env);
      try {
        source.execute(
            SRC,
            "INSERT INTO public.customers VALUES (1001, 'streamed@corp.example.org', 'Streamed Person', 'Leeds', '2024-02-29')",
            "UPDATE public.customers SET email = 'changed' || id || '@corp.example.org', full_name = 'Changed Name', city = 'York'"
                + " WHERE id IN (1, 2, 3)");
        String streamed = "SELECT count(*) FROM public.customers WHERE id = 1001 OR (id <= 3 AND city = 'York')";
        assertThat(Peers.eventually(Duration.ofSeconds(90), () -> target.query(TGT, streamed) == 4))
            .withFailMessage(() -> "the insert and updates did not stream:\n" + run.output())
            .isTrue();
        assertMaskedAndExact(ROWS + 1, "while streaming");
        assertThat(target.text(TGT, "SELECT email || ' ' || full_name FROM public.customers WHERE id = 1001"))
            .doesNotContain("streamed@")
            .doesNotContain("Streamed Person");

        VerificationReport report =
            new Verifier(DatabaseConnector.defaults(), Duration.ofMinutes(2), Clock.systemUTC()).verify(p, logins);
        TableResult customers = report.tables().stream().filter(t -> t.table().equals("public.customers")).findFirst().orElseThrow();
        assertThat(customers.match()).as(customers.detail()).isTrue();
        assertThat(customers.detail()).contains("columns transformed by spec.transformations, not compared: email, full_name");
      } finally {
        run.stop();
      }
      assertThat(source.text(SRC, "SELECT count(*) FROM public.customers WHERE email NOT LIKE '%@corp.example.org'"))
          .as("the source keeps its own e-mails").isEqualTo("0");
      assertThat(source.text(SRC, ROWS_AS_TEXT.formatted(ALL, untouched + " AND id <= " + ROWS)))
          .as("the source rows the test did not edit are unchanged")
          .isEqualTo(sourceBefore);
    } finally {
      source.execute(SRC, "SELECT pg_drop_replication_slot('" + slot + "')");
    }
  }

  @Test
  void aRuleOnAColumnThatDoesNotExistFailsThePreflightAsPgstreamRefusesIt() {
    Peers.freshPair("xform_bad", PW, CUSTOMERS);
    PgstreamPipeline p = pipeline(rules("e_mail"));
    p.getSpec().source.database = "xform_bad_e2e";
    p.getSpec().target.database = "xform_bad_e2e_target";
    p.getSpec().mode = io.pgstream.operator.api.PipelineMode.SNAPSHOT;
    ResolvedCredentials bad = new ResolvedCredentials("xform_bad_src", PW, "xform_bad_tgt", PW);
    PreflightReport preflight = new Preflight(DatabaseConnector.defaults()).run(p.getSpec(), ReplicationSlots.slotFor(p), bad, SlotClaim.NONE);
    assertThat(preflight.errors(Side.SOURCE)).extracting(Finding::code).contains("TransformationRuleUnknownColumn");

    Map<String, String> files = PgstreamRunner.onFreeHealthPort(new HashMap<>(new PgstreamConfigRenderer().render(p).files()));
    PgstreamRunner.Started snapshot =
        pgstream.start(PgstreamPods.args(Step.SNAPSHOT.command(), Step.SNAPSHOT.configFile()), files, PgstreamRunner.env(bad));
    assertThat(snapshot.waitFor()).isNotZero();
    assertThat(snapshot.output()).contains("column e_mail not found in table");
  }

  /** Masked columns differ from the source and look masked, every other column equals the source's. */
  private void assertMaskedAndExact(int rows, String when) {
    assertThat(target.query(TGT, "SELECT count(*) FROM public.customers")).as(when).isEqualTo(rows);
    assertThat(target.text(TGT, ROWS_AS_TEXT.formatted(UNMASKED, "true")))
        .as("unmasked columns " + when)
        .isEqualTo(source.text(SRC, ROWS_AS_TEXT.formatted(UNMASKED, "true")));
    assertThat(target.query(TGT, "SELECT count(*) FROM public.customers WHERE email LIKE '%@corp.example.org' OR email NOT LIKE '%@example.com'"))
        .as("e-mails still at the source's domain, or not at the replacement domain, " + when)
        .isZero();
    assertThat(target.query(TGT, "SELECT count(*) FROM public.customers WHERE full_name IS NOT NULL AND full_name NOT LIKE '%*%'"))
        .as("names without the mask " + when)
        .isZero();
    try (var s = source.connect(SRC); var t = target.connect(TGT)) {
      Map<Long, String> sourceValues = values(s);
      Map<Long, String> targetValues = values(t);
      assertThat(targetValues).hasSameSizeAs(sourceValues);
      targetValues.forEach((id, masked) -> assertThat(masked).as("row " + id + " " + when).isNotEqualTo(sourceValues.get(id)));
      assertThat(String.join("\n", targetValues.values())).as("no source local part or name survives " + when).doesNotContain("person1@").doesNotContain("Given1 ");
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  private static Map<Long, String> values(java.sql.Connection c) throws java.sql.SQLException {
    Map<Long, String> out = new LinkedHashMap<>();
    try (var rs = c.createStatement().executeQuery("SELECT id, email, full_name FROM public.customers ORDER BY id")) {
      while (rs.next()) {
        out.put(rs.getLong(1), rs.getString(2) + "|" + rs.getString(3));
      }
    }
    return out;
  }

  private PgstreamPipeline pipeline(TransformationsSpec rules) {
    PgstreamPipeline p = Pipelines.onServers("xform-e2e", source, SRC, target, TGT);
    p.getSpec().tables = List.of("public.customers");
    p.getSpec().snapshot = new SnapshotSpec();
    p.getSpec().snapshot.mode = SnapshotMode.DATA; // freshPair created the table on the target
    p.getSpec().transformations = rules;
    return p;
  }

  /** e-mails to the replacement domain, names masked; the first column is the e-mail's. */
  private static TransformationsSpec rules(String emailColumn, String... nameColumns) {
    Map<String, ColumnTransformer> columns = new LinkedHashMap<>();
    columns.put(emailColumn, new ColumnTransformer("email", Map.of("replacement_domain", "@example.com")));
    for (String name : nameColumns) {
      columns.put(name, new ColumnTransformer("masking", Map.of("type", "name")));
    }
    TransformationsSpec spec = new TransformationsSpec();
    spec.tables = List.of(new TableTransformation(null, "customers", columns));
    return spec;
  }
}
