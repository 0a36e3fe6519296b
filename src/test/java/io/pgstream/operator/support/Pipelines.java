package io.pgstream.operator.support;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SnapshotSpec;
import io.pgstream.operator.api.SourceSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.api.TargetSpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Test pipelines and the Secrets they reference. */
public final class Pipelines {
  public static final String NAMESPACE = "default";
  /** Passwords with characters that must be percent-encoded in a URL; tests search for them everywhere. */
  public static final String SOURCE_PASSWORD = "s0urce-P@ss:w/rd#1";
  public static final String TARGET_PASSWORD = "t4rget-P@ss%w0rd?2";
  /** Snapshot runner images (pgstream plus PostgreSQL client tools) by client major, as the chart ships them. */
  public static final Map<Integer, String> RUNNERS =
      Map.of(16, "ghcr.io/pgstream-operator/pgstream-runner:1.3.1-pg16", 17, "ghcr.io/pgstream-operator/pgstream-runner:1.3.1-pg17");

  private Pipelines() {}

  public static PgstreamPipeline snapshotAndReplication(String name) {
    PgstreamPipeline p = new PgstreamPipeline();
    p.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    PgstreamPipelineSpec spec = new PgstreamPipelineSpec();
    spec.mode = PipelineMode.SNAPSHOT_AND_REPLICATION;
    spec.source = new SourceSpec();
    spec.source.host = "source.db";
    spec.source.database = "app";
    spec.source.username = ref(name + "-source", "username");
    spec.source.password = ref(name + "-source", "password");
    spec.target = new TargetSpec();
    spec.target.host = "target.db";
    spec.target.database = "app";
    spec.target.username = ref(name + "-target", "username");
    spec.target.password = ref(name + "-target", "password");
    spec.tables = List.of("public.*");
    spec.snapshot = new SnapshotSpec();
    p.setSpec(spec);
    return p;
  }

  /**
   * A pipeline whose source and target are databases on the embedded, RDS-emulating PostgreSQL
   * server, with logins that pass every preflight check (the source login plays the RDS master).
   */
  public static PgstreamPipeline onTestDatabase(String name) {
    TestPostgres pg = TestDatabases.ready();
    return onServers(name, pg, TestDatabases.SOURCE_DB, pg, TestDatabases.TARGET_DB);
  }

  /** A pipeline from {@code sourceDb} on one local server to {@code targetDb} on another (or the same), without TLS. */
  public static PgstreamPipeline onServers(String name, TestPostgres source, String sourceDb, TestPostgres target, String targetDb) {
    PgstreamPipeline p = snapshotAndReplication(name);
    for (ConnectionSpec c : List.of(p.getSpec().source, p.getSpec().target)) {
      c.host = "127.0.0.1";
      c.sslMode = SslMode.DISABLE;
    }
    p.getSpec().source.port = source.port();
    p.getSpec().source.database = sourceDb;
    p.getSpec().target.port = target.port();
    p.getSpec().target.database = targetDb;
    return p;
  }

  public static List<Secret> secretsFor(String name) {
    return List.of(
        secret(name + "-source", TestDatabases.SOURCE_USER, SOURCE_PASSWORD),
        secret(name + "-target", TestDatabases.TARGET_USER, TARGET_PASSWORD));
  }

  public static Secret secret(String name, String user, String password) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withData(Map.of("username", base64(user), "password", base64(password)))
        .build();
  }

  public static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private static SecretValueSource ref(String secret, String key) {
    return new SecretValueSource(new SecretKeyRef(secret, key));
  }
}
