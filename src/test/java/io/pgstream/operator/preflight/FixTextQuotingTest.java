package io.pgstream.operator.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fix texts name schemas read from pg_namespace (spec.tables with wildcards); an admin pastes them as
 * a superuser. A hostile schema name must come out as one quoted identifier: running the fix grants on
 * exactly that schema and runs nothing else. (The target's schema fixes name schemas from spec.tables,
 * which validation limits to plain characters.)
 */
class FixTextQuotingTest {
  static final String HOSTILE = "x\"; DROP TABLE t; --";
  static final String QUOTED = "\"x\"\"; DROP TABLE t; --\"";
  static final String PW = "Qu0te-pw";

  final Preflight preflight = new Preflight(DatabaseConnector.defaults());
  final TestPostgres pg = TestPostgres.rds();
  final String src = "fq_src";
  final String tgt = "fq_tgt";
  final String reader = "fq_reader";
  final String writer = "fq_writer";

  @Test
  void aHostileSchemaNameFromTheCatalogIsQuotedInTheFix() {
    pg.login(reader, PW, "");
    pg.login(writer, PW, "");
    pg.database(
        src,
        "postgres",
        "CREATE TABLE public.t (id int PRIMARY KEY)",
        "CREATE SCHEMA " + Jdbc.ident(HOSTILE),
        "CREATE TABLE " + Jdbc.ident(HOSTILE) + ".rows (id int PRIMARY KEY)",
        "GRANT USAGE ON SCHEMA " + Jdbc.ident(HOSTILE) + " TO " + reader,
        "GRANT SELECT ON public.t TO " + reader);
    pg.database(tgt, writer);
    PgstreamPipelineSpec spec = Pipelines.onServers("fq", pg, src, pg, tgt).getSpec();
    spec.mode = PipelineMode.SNAPSHOT;
    spec.tables = List.of("*.*");

    ResolvedCredentials creds = new ResolvedCredentials(reader, PW, writer, PW);

    String readFix = finding(preflight.run(spec, "fq_slot", creds, false), "TableReadDenied").fix();
    assertThat(readFix)
        .isEqualTo(
            "GRANT SELECT ON ALL TABLES IN SCHEMA %1$s TO \"%2$s\"; GRANT SELECT ON ALL SEQUENCES IN SCHEMA %1$s TO \"%2$s\";"
                .formatted(QUOTED, reader));
    pg.execute(src, readFix);
    assertThat(pg.query(src, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 't'"))
        .as("the fix dropped nothing")
        .isEqualTo(1);
    assertThat(pg.text(src, "SELECT has_table_privilege('" + reader + "', '" + Jdbc.ident(HOSTILE).replace("'", "''") + ".rows', 'SELECT')"))
        .isEqualTo("t");
  }

  private static Finding finding(PreflightReport r, String code) {
    return r.findings().stream().filter(f -> f.code().equals(code)).findFirst().orElseThrow(() -> new AssertionError(code + " not in " + r.findings()));
  }
}
