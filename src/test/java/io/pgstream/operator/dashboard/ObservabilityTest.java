package io.pgstream.operator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.metrics.PipelineMetrics;
import io.pgstream.operator.metrics.SlotMetrics;
import io.pgstream.operator.slots.SlotHealth;
import io.pgstream.operator.support.Pipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chart's dashboard and alert rules read only series the operator exports, the dashboard's queries are ones
 * {@link DashboardPainter} can draw, and every alert has a promtool case where it fires and one where it does not
 * ({@code make alerts-test} runs them; {@code make chart-check} renders the objects).
 */
class ObservabilityTest {
  static final Path CHART = Path.of("charts/pgstream-operator");
  static final Path DASHBOARD = CHART.resolve("dashboards/pgstream-pipelines.json");
  static final Path RULES = CHART.resolve("templates/prometheusrule.yaml");
  static final Path ALERT_TESTS = Path.of("src/test/resources/alerts/pgstream-alerts-test.yaml");
  static final Pattern METRIC = Pattern.compile("\\bpgstream_[a-z_]+");

  /** Every series name the operator's own metrics classes put on /metrics. */
  static Set<String> exported() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PipelineMetrics pipelines = new PipelineMetrics(registry);
    PgstreamPipelineStatus status = new PgstreamPipelineStatus();
    status.conditions = List.of(new ConditionBuilder().withType("Ready").withStatus("True").withReason("Streaming").build());
    pipelines.reconciled(Pipelines.snapshotAndReplication("p"), status);
    pipelines.verificationMismatches("default", "p", 0);
    SlotMetrics slots = new SlotMetrics(registry);
    slots.measured("uid", "default", "p", "s", new SlotHealth(true, true, 0, 0, "reserved", List.of()), 0);
    slots.checkFailed("uid", "default", "p");
    Set<String> names = new TreeSet<>();
    for (String line : registry.scrape().split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        names.add(line.split("[{ ]")[0]);
      }
    }
    return names;
  }

  @Test
  void theDashboardParsesAndEachPanelQueriesExportedSeries() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    Set<String> exported = exported();
    List<String> exprs = new ArrayList<>();
    dashboard.get("panels").forEach(p -> p.get("targets").forEach(t -> exprs.add(t.get("expr").asText())));
    assertThat(exprs).hasSizeGreaterThanOrEqualTo(7);
    for (String expr : exprs) {
      assertThat(exported).as(expr).contains(PanelQuery.parse(expr).metric);
    }
    dashboard.at("/templating/list").forEach(v -> assertThat(exported).containsAll(metrics(v.path("definition").asText())));
    assertThat(metrics(DASHBOARD)).isNotEmpty().isSubsetOf(exported);
  }

  @Test
  void theAlertRulesReadExportedSeriesAndEachIsTestedBothWays() throws IOException {
    assertThat(metrics(RULES)).isNotEmpty().isSubsetOf(exported());
    List<String> alerts = new ArrayList<>();
    Matcher m = Pattern.compile("- alert: (\\w+)").matcher(Files.readString(RULES));
    while (m.find()) {
      alerts.add(m.group(1));
    }
    assertThat(alerts)
        .containsExactlyInAnyOrder(
            "PgstreamSlotLagHigh",
            "PgstreamRetainedWalGrowing",
            "PgstreamPipelineDegraded",
            "PgstreamStepFailed",
            "PgstreamStreamingNotReady",
            "PgstreamSlotInactive");
    JsonNode tests = new YAMLMapper().readTree(ALERT_TESTS.toFile());
    for (String alert : alerts) {
      List<Integer> expected = new ArrayList<>();
      tests.get("tests").forEach(t -> t.path("alert_rule_test").forEach(c -> {
        if (c.get("alertname").asText().equals(alert)) {
          expected.add(c.get("exp_alerts").size());
        }
      }));
      assertThat(expected).as(alert + ": a case where it fires, and one where it does not").contains(0).anyMatch(n -> n > 0);
    }
  }

  private static Set<String> metrics(Path file) throws IOException {
    return metrics(Files.readString(file));
  }

  private static Set<String> metrics(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }
}
