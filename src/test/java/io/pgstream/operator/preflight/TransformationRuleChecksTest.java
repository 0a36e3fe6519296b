package io.pgstream.operator.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.ColumnTransformer;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.TableTransformation;
import io.pgstream.operator.api.TableValidationMode;
import io.pgstream.operator.api.TransformationValidationMode;
import io.pgstream.operator.api.TransformationsSpec;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Transformation rules checked against a real source before anything runs. */
class TransformationRuleChecksTest {
  static final String DB = "xform_rules_src";
  static final TestPostgres PG = TestPostgres.rds();

  @BeforeAll
  static void tables() {
    PG.database(
        DB,
        "postgres",
        "CREATE TABLE public.customers (id int PRIMARY KEY, email text, full_name text, city text)",
        "CREATE TABLE public.orders (id int PRIMARY KEY, note text)",
        "CREATE TABLE public.audit (id int PRIMARY KEY)");
  }

  private static PgstreamPipelineSpec spec(TransformationValidationMode mode, TableTransformation... rules) {
    PgstreamPipelineSpec spec = Pipelines.onServers("xform", PG, DB, PG, DB).getSpec();
    spec.mode = PipelineMode.SNAPSHOT_AND_REPLICATION;
    spec.tables = List.of("public.customers", "public.orders");
    spec.transformations = new TransformationsSpec();
    spec.transformations.validationMode = mode;
    spec.transformations.tables = List.of(rules);
    return spec;
  }

  private static TableTransformation rule(String table, String... columnAndTransformer) {
    Map<String, ColumnTransformer> columns = new LinkedHashMap<>();
    for (int i = 0; i < columnAndTransformer.length; i += 2) {
      columns.put(columnAndTransformer[i], new ColumnTransformer(columnAndTransformer[i + 1], null));
    }
    return new TableTransformation(null, table, columns);
  }

  private static List<Finding> check(PgstreamPipelineSpec spec) throws Exception {
    try (Connection c = PG.connect(DB)) {
      return TransformationRuleChecks.check(c, spec);
    }
  }

  @Test
  void rulesOnSelectedTablesAndExistingColumnsPass() throws Exception {
    assertThat(check(spec(null, rule("customers", "email", "email", "full_name", "masking")))).isEmpty();
  }

  @Test
  void aTableThatDoesNotExistIsNamed() throws Exception {
    assertThat(check(spec(null, rule("customer", "email", "email"))))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.code()).isEqualTo("TransformationRuleUnknownTable");
          assertThat(f.cause()).contains("public.customer,");
          assertThat(f.fix()).contains("Correct the rule's schema and table");
        });
  }

  @Test
  void aColumnThatDoesNotExistIsNamedWithItsTable() throws Exception {
    assertThat(check(spec(null, rule("customers", "e_mail", "email", "full_name", "masking"))))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.code()).isEqualTo("TransformationRuleUnknownColumn");
          assertThat(f.cause()).startsWith("public.customers.e_mail: no such column on the source");
        });
  }

  @Test
  void aRuleOnATableThePipelineDoesNotSelectWouldNeverApply() throws Exception {
    assertThat(check(spec(null, rule("audit", "id", "greenmask_integer"))))
        .extracting(Finding::code)
        .containsExactly("TransformationRuleTableNotSelected");
  }

  @Test
  void anUnknownTransformerNameListsTheKnownOnes() throws Exception {
    assertThat(check(spec(null, rule("customers", "email", "mask_email"))))
        .singleElement()
        .satisfies(f -> {
          assertThat(f.code()).isEqualTo("TransformationRuleUnknownTransformer");
          assertThat(f.cause()).contains("public.customers.email names transformer mask_email");
          assertThat(f.fix()).contains("email, encrypted_aes_siv,").contains("noop");
        });
  }

  @Test
  void strictModeNeedsEveryColumnOfEveryRuledTableAndEverySelectedTable() throws Exception {
    List<Finding> findings = check(spec(TransformationValidationMode.STRICT, rule("customers", "email", "email", "id", "noop")));
    assertThat(findings).extracting(Finding::code).containsExactly("TransformationRulesIncomplete", "TransformationRulesIncomplete");
    assertThat(findings.get(0).cause()).startsWith("public.customers.full_name, public.customers.city: no rule");
    assertThat(findings.get(1).cause()).startsWith("public.orders: selected, but without a transformation rule");

    assertThat(
            check(
                spec(
                    TransformationValidationMode.STRICT,
                    rule("customers", "id", "noop", "email", "email", "full_name", "masking", "city", "noop"),
                    rule("orders", "id", "noop", "note", "literal_string"))))
        .isEmpty();
  }

  @Test
  void tableLevelModeNeedsEachTablesOwnModeAndNoOtherModeAllowsOne() throws Exception {
    TableTransformation strictCustomers = rule("customers", "email", "email");
    strictCustomers.validationMode = TableValidationMode.STRICT;
    List<Finding> findings = check(spec(TransformationValidationMode.TABLE_LEVEL, strictCustomers, rule("orders", "note", "noop")));
    assertThat(findings).extracting(Finding::code)
        .containsExactly("TransformationRulesIncomplete", "TransformationRuleValidationMode");
    assertThat(findings.get(1).cause()).isEqualTo("The rule for public.orders has no validationMode, which validationMode table_level needs.");

    assertThat(check(spec(TransformationValidationMode.RELAXED, strictCustomers)))
        .extracting(Finding::code)
        .contains("TransformationRuleValidationMode");
  }

  @Test
  void thePreflightReportsItAsASourceError() {
    ResolvedCredentials superuser = new ResolvedCredentials("postgres", "", "postgres", "");
    PreflightReport report =
        new Preflight(DatabaseConnector.defaults())
            .run(spec(null, rule("customers", "e_mail", "email")), "xform_slot", superuser, SlotClaim.NONE);
    assertThat(report.errors(Side.SOURCE)).extracting(Finding::code).contains("TransformationRuleUnknownColumn");
    assertThat(report.ok(Side.SOURCE)).isFalse();
  }
}
