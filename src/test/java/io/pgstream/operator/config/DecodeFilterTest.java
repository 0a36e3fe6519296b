package io.pgstream.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** wal2json's arguments select what pgstream's filter selects, never less. */
class DecodeFilterTest {
  @Test
  void includedTablesAreDecodedOnlyQualifiedAsPgstreamReadsThem() {
    assertThat(DecodeFilter.pluginArguments(List.of("orders", "billing.*", "*.events"), null, List.of()))
        .containsExactly(Map.entry("add_tables", "public.orders,billing.*,*.events"));
  }

  @Test
  void everythingOrAnAsteriskInsideANameLeavesDecodingToPgstreamsFilter() {
    assertThat(DecodeFilter.pluginArguments(List.of("orders", "*.*"), null, List.of())).isEmpty();
    assertThat(DecodeFilter.pluginArguments(List.of("orders", "sales.lines*"), null, List.of())).isEmpty();
  }

  @Test
  void excludedTablesAreNotDecoded() {
    assertThat(DecodeFilter.pluginArguments(null, List.of("audit_log", "app.sessions"), List.of()))
        .containsExactly(Map.entry("filter_tables", "public.audit_log,app.sessions"));
  }

  /**
   * pgstream streams a schema-only table when an include entry names it exactly, and drops its rows
   * when only a wildcard covers it; a wildcard schema-only entry could cover an exactly included table.
   */
  @Test
  void schemaOnlyTablesAreNotDecodedUnlessStreamingNamesThemOrTheyAreWildcards() {
    assertThat(
            DecodeFilter.pluginArguments(
                List.of("public.*", "orders"), null, List.of("audit_log", "public.orders", "logs.*")))
        .containsExactly(Map.entry("add_tables", "public.*,public.orders"), Map.entry("filter_tables", "public.audit_log"));
  }
}
