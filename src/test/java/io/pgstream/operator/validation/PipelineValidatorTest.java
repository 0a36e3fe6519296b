package io.pgstream.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.CaBundleSource;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.api.TargetPrepareSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.SchemaSnapshotSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SnapshotMode;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.support.Pipelines;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PipelineValidatorTest {
  @Test
  void aCompletePipelineIsValid() {
    assertThat(PipelineValidator.validate(Pipelines.snapshotAndReplication("ok"))).isEmpty();
  }

  @Test
  void anImagePinnedByDigestIsValid() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("ok");
    p.getSpec().image = "registry.example.com/mirror/pgstream:1.3.1@sha256:" + "0f".repeat(32);
    assertThat(PipelineValidator.validate(p)).isEmpty();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("missing mode", p -> p.getSpec().mode = null, "spec.mode is required"),
        bad("missing source", p -> p.getSpec().source = null, "spec.source is required"),
        bad("host with a path", p -> p.getSpec().source.host = "db/evil", "spec.source.host"),
        bad("host with a password", p -> p.getSpec().target.host = "u:p@db", "spec.target.host"),
        bad("port out of range", p -> p.getSpec().target.port = 70000, "spec.target.port"),
        bad("database with a query", p -> p.getSpec().source.database = "app?sslmode=disable", "spec.source.database"),
        bad("no password ref", p -> p.getSpec().source.password = null, "spec.source.password.secretKeyRef"),
        bad("slot with capitals", p -> p.getSpec().replicationSlot = "Slot", "spec.replicationSlot"),
        bad("slot with sql", p -> p.getSpec().replicationSlot = "x'); drop table t;--", "spec.replicationSlot"),
        bad("table with sql", p -> p.getSpec().tables = List.of("public.t; drop table x"), "spec.tables[0]"),
        bad("schema-only table with sql", p -> p.getSpec().snapshot.schemaOnlyTables = List.of("a", "b c"), "spec.snapshot.schemaOnlyTables[1]"),
        bad(
            "schema-only tables in a data snapshot",
            p -> {
              p.getSpec().snapshot.mode = SnapshotMode.DATA;
              p.getSpec().snapshot.schemaOnlyTables = List.of("public.audit");
            },
            "spec.snapshot.schemaOnlyTables needs a schema snapshot"),
        bad(
            "session setting with whitespace",
            p -> {
              p.getSpec().snapshot.schema = new SchemaSnapshotSpec();
              p.getSpec().snapshot.schema.indexConstraintSessionSettings = List.of("work_mem=1GB", "work_mem=1GB -c x=y");
            },
            "indexConstraintSessionSettings[1] must be name=value"),
        bad("image with a short digest", p -> p.getSpec().image = "ghcr.io/xataio/pgstream@sha256:abc", "spec.image must be an image reference"),
        bad("snapshot without tables", p -> p.getSpec().tables = List.of(), "spec.tables must name"),
        bad(
            "include and exclude while streaming",
            p -> p.getSpec().excludedTables = List.of("public.audit"),
            "spec.excludedTables cannot be combined"),
        bad(
            "clean target with a data snapshot",
            p -> {
              p.getSpec().snapshot.mode = SnapshotMode.DATA;
              p.getSpec().snapshot.schema = new SchemaSnapshotSpec();
              p.getSpec().snapshot.schema.cleanTargetDb = true;
            },
            "cleanTargetDb needs a schema snapshot"),
        bad(
            "queue smaller than a batch",
            p -> {
              p.getSpec().target.batch = new BatchSpec();
              p.getSpec().target.batch.maxBytes = 10_000_000L;
              p.getSpec().target.batch.maxQueueBytes = 1_000_000L;
            },
            "maxQueueBytes (1000000) must be at least maxBytes (10000000)"),
        bad("name too long", p -> p.getMetadata().setName("x".repeat(48)), "metadata.name must be at most 47"),
        bad("admin from AWS without verified TLS", p -> awsAdmin(p, SslMode.REQUIRE), "set spec.source.sslMode to verify-full"),
        bad(
            "a CA bundle from both a ConfigMap and a Secret",
            p -> {
              p.getSpec().source.caBundle = CaBundleSource.configMap("ca", "ca.crt");
              p.getSpec().source.caBundle.secretKeyRef = new SecretKeyRef("ca", "ca.crt");
            },
            "spec.source.caBundle needs exactly one of configMapKeyRef and secretKeyRef"),
        bad(
            "a CA bundle from nowhere",
            p -> p.getSpec().target.caBundle = new CaBundleSource(),
            "spec.target.caBundle needs exactly one"),
        bad(
            "a source admin over prefer",
            p -> {
              p.getSpec().source.sslMode = SslMode.PREFER;
              adminOnSource(p);
            },
            "spec.source.sslMode prefer may send the admin login of spec.prepare.source unencrypted"),
        bad(
            "the RDS master user secret over disable",
            p -> awsAdmin(p, SslMode.DISABLE),
            "spec.source.sslMode disable is refused because the admin login of spec.prepare.source comes from AWS"),
        bad(
            "an IAM token over allow",
            p -> {
              awsAdmin(p, SslMode.ALLOW);
              p.getSpec().source.rds.masterUserSecret = null;
              p.getSpec().source.rds.iamAuthentication = true;
            },
            "spec.source.sslMode allow is refused"),
        bad(
            "a target admin over disable",
            p -> {
              p.getSpec().target.sslMode = SslMode.DISABLE;
              p.getSpec().prepare = new PrepareSpec();
              p.getSpec().prepare.target = new TargetPrepareSpec();
              p.getSpec().prepare.target.adminUsername = new SecretValueSource(new SecretKeyRef("admin", "u"));
              p.getSpec().prepare.target.adminPassword = new SecretValueSource(new SecretKeyRef("admin", "p"));
            },
            "spec.target.sslMode disable may send the admin login of spec.prepare.target"));
  }

  private static void adminOnSource(PgstreamPipeline p) {
    p.getSpec().prepare = new PrepareSpec();
    p.getSpec().prepare.source = new SourcePrepareSpec();
    p.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("admin", "u"));
    p.getSpec().prepare.source.adminPassword = new SecretValueSource(new SecretKeyRef("admin", "p"));
  }

  @Test
  void anAdminLoginIsAllowedOverRequireAndTheVerifyModes() {
    for (SslMode mode : List.of(SslMode.REQUIRE, SslMode.VERIFY_CA, SslMode.VERIFY_FULL)) {
      PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
      adminOnSource(p);
      p.getSpec().source.sslMode = mode;
      assertThat(PipelineValidator.validate(p)).as(mode.libpqValue()).isEmpty();
    }
  }

  @Test
  void withoutAnAdminLoginAWeakSslModeStaysTheUsersChoice() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().source.sslMode = SslMode.DISABLE;
    p.getSpec().target.sslMode = SslMode.PREFER;
    assertThat(PipelineValidator.validate(p)).isEmpty();
  }

  @Test
  void anAdminFromAwsNeedsVerifyFullAndSaysSoWithTheTlsReason() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("ok");
    awsAdmin(p, SslMode.VERIFY_FULL);
    assertThat(PipelineValidator.validate(p)).isEmpty();
    p.getSpec().source.sslMode = null;
    assertThat(PipelineValidator.validate(p)).as("the default with spec.source.rds is verify-full").isEmpty();
    p.getSpec().source.rds.masterUserSecret = null;
    p.getSpec().source.rds.iamAuthentication = true;
    p.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("admin", "username"));
    for (SslMode weaker : List.of(SslMode.REQUIRE, SslMode.VERIFY_CA, SslMode.PREFER)) {
      p.getSpec().source.sslMode = weaker;
      List<String> problems = PipelineValidator.validate(p);
      assertThat(problems)
          .as(weaker.libpqValue())
          .singleElement()
          .asString()
          .contains("comes from AWS")
          .contains("set spec.source.sslMode to verify-full")
          .doesNotContain("or at least require");
      assertThat(TlsRequirements.soleReason(problems, p.getSpec())).contains(TlsRequirements.SSL_MODE_TOO_WEAK);
    }
  }

  @Test
  void anAdminFromAwsRefusesTheTenantsOwnCaBundle() {
    for (CaBundleSource bundle : List.of(CaBundleSource.configMap("tenant-ca", "ca.crt"), CaBundleSource.secret("tenant-ca", "ca.crt"))) {
      PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
      awsAdmin(p, SslMode.VERIFY_FULL);
      p.getSpec().source.caBundle = bundle;
      List<String> problems = PipelineValidator.validate(p);
      assertThat(problems)
          .singleElement()
          .asString()
          .startsWith("spec.source.caBundle is refused because the admin login of spec.prepare.source comes from AWS")
          .contains("trust only the operator's default CA bundle (chart value tls.defaultCaBundle");
      assertThat(TlsRequirements.soleReason(problems, p.getSpec())).contains(TlsRequirements.CA_BUNDLE_NOT_ALLOWED);
    }
  }

  @Test
  void theTargetKeepsItsOwnCaBundleWithAnAdminFromAws() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    awsAdmin(p, SslMode.VERIFY_FULL);
    p.getSpec().target.caBundle = CaBundleSource.configMap("target-ca", "ca.crt");
    assertThat(PipelineValidator.validate(p)).isEmpty();
  }

  @Test
  void rdsAdminFieldsWithoutPrepareSourceSendNoAdminLogin() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    awsAdmin(p, SslMode.DISABLE);
    p.getSpec().source.caBundle = CaBundleSource.configMap("tenant-ca", "ca.crt");
    p.getSpec().prepare = null;
    assertThat(p.getSpec().adminFromAws()).isFalse();
    assertThat(PipelineValidator.validate(p)).isEmpty();
  }

  @Test
  void otherProblemsBesideATlsOneMakeTheSpecInvalid() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    awsAdmin(p, SslMode.REQUIRE);
    p.getSpec().replicationSlot = "Bad";
    assertThat(TlsRequirements.soleReason(PipelineValidator.validate(p), p.getSpec())).isEmpty();
  }

  private static void awsAdmin(PgstreamPipeline p, SslMode sslMode) {
    p.getSpec().source.sslMode = sslMode;
    p.getSpec().source.rds = new RdsSpec();
    p.getSpec().source.rds.region = "eu-west-1";
    p.getSpec().source.rds.instanceIdentifier = "db";
    p.getSpec().source.rds.masterUserSecret = true;
    p.getSpec().prepare = new PrepareSpec();
    p.getSpec().prepare.source = new SourcePrepareSpec();
  }

  private static Arguments bad(String what, Consumer<PgstreamPipeline> mutation, String expected) {
    return Arguments.of(what, mutation, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void namesTheProblem(String what, Consumer<PgstreamPipeline> mutation, String expected) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    mutation.accept(p);
    assertThat(PipelineValidator.validate(p)).anySatisfy(problem -> assertThat(problem).contains(expected));
  }

  @Test
  void replicationMayExcludeWithoutIncluding() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("p");
    p.getSpec().mode = PipelineMode.REPLICATION;
    p.getSpec().tables = null;
    p.getSpec().excludedTables = List.of("public.audit");
    assertThat(PipelineValidator.validate(p)).isEmpty();
  }
}
