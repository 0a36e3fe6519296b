package io.pgstream.operator.demo;

import io.fabric8.kubernetes.api.model.Secret;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.api.TableTransformation;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.support.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stands in for the RDS instances the examples name: two embedded PostgreSQL servers that emulate
 * RDS, with the examples' logins, databases and tables, so the operator's preflight really runs.
 */
final class DemoDatabases {
  private final TestPostgres source = TestPostgres.rds("demo-source");
  private final TestPostgres target = TestPostgres.rds("demo-target");
  private final Set<String> created = new HashSet<>();

  /** Points the pipeline at the local servers and creates what it expects to find there. */
  void host(PgstreamPipeline p, Map<String, Secret> secrets) {
    String ns = p.getMetadata().getNamespace();
    String sourceUser = value(secrets, ns, p.getSpec().source.username.secretKeyRef);
    String targetUser = value(secrets, ns, p.getSpec().target.username.secretKeyRef);
    // The source login plays the RDS master user, which pgstream init needs for its event triggers.
    once("source role " + sourceUser, () -> source.login(sourceUser, value(secrets, ns, p.getSpec().source.password.secretKeyRef), "SUPERUSER"));
    once("target role " + targetUser, () -> target.login(targetUser, value(secrets, ns, p.getSpec().target.password.secretKeyRef), ""));
    once("source db " + p.getSpec().source.database, () -> source.database(p.getSpec().source.database, "postgres", tables(p.getSpec())));
    once("target db " + p.getSpec().target.database, () -> target.database(p.getSpec().target.database, targetUser));
    point(p.getSpec().source, source);
    point(p.getSpec().target, target);
  }

  /**
   * What `pgstream init` does that the operator looks at afterwards: create the replication slot
   * (test_decoding stands in for wal2json, which the embedded binaries lack).
   */
  void initialise(PgstreamPipeline p) {
    String slot = ReplicationSlots.slotFor(p);
    once(
        "slot " + slot,
        () -> source.execute(p.getSpec().source.database, "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')"));
  }

  private void once(String what, Runnable action) {
    if (created.add(what)) {
      action.run();
    }
  }

  private static void point(ConnectionSpec c, TestPostgres server) {
    c.host = "127.0.0.1";
    c.port = server.port();
    c.sslMode = SslMode.DISABLE;
  }

  /** One table per concrete name, and public.orders for wildcards; with a text column for each transformation rule's column. */
  private static String[] tables(PgstreamPipelineSpec spec) {
    if (spec.tables == null) {
      return new String[] {"CREATE TABLE public.orders (id int PRIMARY KEY)"};
    }
    return spec.tables.stream()
        .map(t -> t.contains("*") ? "public.orders" : t)
        .distinct()
        .map(t -> "CREATE TABLE " + t + " (id int PRIMARY KEY" + ruledColumns(spec, t) + ")")
        .toArray(String[]::new);
  }

  private static String ruledColumns(PgstreamPipelineSpec spec, String table) {
    StringBuilder columns = new StringBuilder();
    for (TableTransformation rule : spec.transformationRules()) {
      if (rule.qualifiedName().equals(table)) {
        rule.columns.keySet().stream().filter(c -> !c.equals("id")).forEach(c -> columns.append(", ").append(c).append(" text"));
      }
    }
    return columns.toString();
  }

  private static String value(Map<String, Secret> secrets, String namespace, SecretKeyRef ref) {
    Secret s = secrets.get(namespace + "/" + ref.name);
    if (s.getStringData() != null && s.getStringData().containsKey(ref.key)) {
      return s.getStringData().get(ref.key);
    }
    return new String(Base64.getDecoder().decode(s.getData().get(ref.key)), StandardCharsets.UTF_8);
  }
}
