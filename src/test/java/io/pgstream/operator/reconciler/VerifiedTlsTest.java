package io.pgstream.operator.reconciler;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.api.CaBundleSource;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestCertificates;
import io.pgstream.operator.tls.CaBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Verified TLS through the operator's real path (CA bundle lookup, preflight over JDBC, conditions,
 * the pods' ConfigMap and URLs) against a real PostgreSQL whose certificate the test CA issued for
 * localhost.
 */
@EnableKubernetesMockClient(crud = true)
class VerifiedTlsTest {
  static final String NAME = "secured";
  static final TestCertificates CERTS = TestCertificates.get();

  KubernetesClient client;
  Operator operator;
  final List<Secret> secrets = new ArrayList<>(Pipelines.secretsFor(NAME));

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.stop();
    }
  }

  @Test
  void verifyFullWithTheRightBundleConnectsAndThePodsGetTheBundle() {
    PgstreamPipeline p = pipeline("localhost");
    p.getSpec().source.caBundle = CaBundleSource.configMap("db-ca", "ca.crt");
    p.getSpec().target.caBundle = CaBundleSource.secret("db-ca", "bundle.pem");
    client.resource(caConfigMap("db-ca", "ca.crt", CERTS.caPem())).create();
    secrets.add(Pipelines.secret("db-ca", "unused", "unused"));
    secrets.get(secrets.size() - 1).getData().put("bundle.pem", Pipelines.base64(CERTS.caPem()));
    run(OperatorSettings.forMockServer(), p);

    await().until(() -> job("init") != null && "True/ChecksPassed".equals(condition("SourceReady")));
    assertThat(condition("TargetReady")).isEqualTo("True/ChecksPassed");
    Map<String, String> config = client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData();
    assertThat(config).containsEntry("source-ca.crt", CERTS.caPem()).containsEntry("target-ca.crt", CERTS.caPem());
    assertThat(config.get("replication.yaml"))
        .contains("?sslmode=verify-full&sslrootcert=%2Fetc%2Fpgstream%2Fsource-ca.crt")
        .contains("?sslmode=verify-full&sslrootcert=%2Fetc%2Fpgstream%2Ftarget-ca.crt");
    PodSpec pod = job("init").getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes())
        .anySatisfy(v -> assertThat(v.getConfigMap().getName()).isEqualTo(NAME + "-pgstream-config"));
    assertThat(pod.getContainers().get(0).getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/etc/pgstream");
              assertThat(m.getReadOnly()).isTrue();
            });
  }

  @Test
  void aBundleOfAnotherCaFailsWithTlsUntrustedNamingTheBundle() {
    PgstreamPipeline p = pipeline("localhost");
    p.getSpec().source.caBundle = CaBundleSource.configMap("other-ca", "ca.crt");
    client.resource(caConfigMap("other-ca", "ca.crt", CERTS.otherCaPem())).create();
    run(OperatorSettings.forMockServer(), p);

    await().until(() -> condition("SourceReady") != null);
    assertThat(condition("SourceReady")).isEqualTo("False/SourceTlsUntrusted");
    assertThat(message("SourceReady"))
        .startsWith(
            "The server certificate of localhost:" + p.getSpec().source.port + " is not signed by a CA in ConfigMap"
                + " default/other-ca key ca.crt (spec.source.caBundle). Fix: ");
    assertReadable(message("SourceReady"));
    assertThat(job("init")).isNull();
  }

  @Test
  void anAddressTheCertificateDoesNotNameFailsWithTlsHostMismatch() {
    PgstreamPipeline p = pipeline("127.0.0.1");
    p.getSpec().source.caBundle = CaBundleSource.configMap("db-ca", "ca.crt");
    client.resource(caConfigMap("db-ca", "ca.crt", CERTS.caPem())).create();
    run(OperatorSettings.forMockServer(), p);

    await().until(() -> condition("SourceReady") != null);
    assertThat(condition("SourceReady")).isEqualTo("False/SourceTlsHostMismatch");
    assertThat(message("SourceReady"))
        .contains("is signed by a CA in ConfigMap default/db-ca key ca.crt (spec.source.caBundle) but is not issued for host 127.0.0.1");
    assertReadable(message("SourceReady"));
  }

  @Test
  void theOperatorsDefaultBundleServesSidesWithoutTheirOwn() throws Exception {
    CaBundle platform = CaBundle.parse(CERTS.caPem(), "the operator's default CA bundle /etc/ca/ca.crt (--default-ca-bundle)");
    PgstreamPipeline p = pipeline("localhost");
    // An explicit unverified mode is the tenant's way out of the platform's bundle.
    p.getSpec().target.sslMode = SslMode.REQUIRE;
    run(OperatorSettings.forMockServer().withDefaultCaBundle(platform), p);

    await().until(() -> job("init") != null && "True/ChecksPassed".equals(condition("SourceReady")));
    assertThat(condition("TargetReady")).isEqualTo("True/ChecksPassed");
    Map<String, String> config = client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData();
    assertThat(config).containsEntry("source-ca.crt", CERTS.caPem()).doesNotContainKey("target-ca.crt");
    assertThat(config.get("snapshot.yaml"))
        .contains("sslmode=verify-full&sslrootcert=%2Fetc%2Fpgstream%2Fsource-ca.crt\"")
        .contains("/app_target?sslmode=require\"");
  }

  @Test
  void verifyFullWithoutAnyBundleTrustsOnlyTheJvmDefaults() {
    PgstreamPipeline p = pipeline("localhost");
    p.getSpec().source.sslMode = SslMode.VERIFY_FULL;
    run(OperatorSettings.forMockServer(), p);

    await().until(() -> condition("SourceReady") != null);
    assertThat(condition("SourceReady")).isEqualTo("False/SourceTlsUntrusted");
    assertThat(message("SourceReady")).contains("is not signed by a CA in the JVM's default trust store");
    // Without a bundle the target stays on require: encrypted, unverified, connected.
    assertThat(condition("TargetReady")).isEqualTo("True/ChecksPassed");
  }

  @Test
  void verifyCaWithoutAnyBundleIsRefusedBeforeThePodsWouldFail() {
    PgstreamPipeline p = pipeline("localhost");
    p.getSpec().target.sslMode = SslMode.VERIFY_CA;
    run(OperatorSettings.forMockServer(), p);

    await().until(() -> condition("ConfigRendered") != null);
    assertThat(condition("ConfigRendered")).isEqualTo("False/CaBundleRequired");
    assertThat(message("ConfigRendered")).startsWith("spec.target.sslMode verify-ca needs a CA bundle, and there is none");
    assertThat(condition("Ready")).isEqualTo("False/CaBundleRequired");
    assertThat(condition("SourceReady")).isNull();
  }

  @Test
  void verifyCaWithTheOperatorsDefaultBundleConnects() throws Exception {
    CaBundle platform = CaBundle.parse(CERTS.caPem(), "the operator's default CA bundle /etc/ca/ca.crt (--default-ca-bundle)");
    PgstreamPipeline p = pipeline("127.0.0.1");
    p.getSpec().source.sslMode = SslMode.VERIFY_CA;
    p.getSpec().target.sslMode = SslMode.VERIFY_CA;
    run(OperatorSettings.forMockServer().withDefaultCaBundle(platform), p);

    await().until(() -> job("init") != null && "True/ChecksPassed".equals(condition("SourceReady")));
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName(NAME + "-pgstream-config").get().getData().get("snapshot.yaml"))
        .contains("sslmode=verify-ca&sslrootcert=%2Fetc%2Fpgstream%2Ftarget-ca.crt\"");
  }

  @Test
  void aMissingBundleIsNamedAndNothingConnects() {
    PgstreamPipeline p = pipeline("localhost");
    p.getSpec().target.caBundle = CaBundleSource.configMap("nowhere", "ca.crt");
    run(OperatorSettings.forMockServer(), p);

    await().until(() -> condition("ConfigRendered") != null);
    assertThat(condition("ConfigRendered")).isEqualTo("False/CaBundleNotFound");
    assertThat(message("ConfigRendered")).contains("ConfigMap default/nowhere key ca.crt (spec.target.caBundle) does not exist");
    assertThat(condition("Ready")).isEqualTo("False/CaBundleNotFound");
    assertThat(condition("SourceReady")).isNull();
  }

  @Test
  void aBundleWithoutCertificatesIsRefused() {
    PgstreamPipeline p = pipeline("localhost");
    p.getSpec().source.caBundle = CaBundleSource.configMap("db-ca", "ca.crt");
    client.resource(caConfigMap("db-ca", "ca.crt", "not a certificate")).create();
    run(OperatorSettings.forMockServer(), p);

    await().until(() -> condition("ConfigRendered") != null);
    assertThat(condition("ConfigRendered")).isEqualTo("False/CaBundleInvalid");
    assertThat(message("ConfigRendered")).contains("ConfigMap default/db-ca key ca.crt (spec.source.caBundle)");
  }

  @Test
  void anAdminLoginOverAConnectionThatMayBePlaintextIsRefused() {
    PgstreamPipeline p = pipeline("localhost");
    p.getSpec().source.sslMode = SslMode.PREFER;
    p.getSpec().prepare = new PrepareSpec();
    p.getSpec().prepare.source = new SourcePrepareSpec();
    p.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("admin", "username"));
    p.getSpec().prepare.source.adminPassword = new SecretValueSource(new SecretKeyRef("admin", "password"));
    run(OperatorSettings.forMockServer(), p);

    await().until(() -> condition("Ready") != null);
    assertThat(condition("Ready")).isEqualTo("False/SslModeTooWeakForAdminLogin");
    assertThat(message("Ready"))
        .contains("spec.source.sslMode prefer may send the admin login of spec.prepare.source unencrypted")
        .contains("set spec.source.sslMode to verify-full with spec.source.caBundle");
    assertThat(condition("SourceReady")).isNull();
  }

  /** A pipeline on the embedded TLS server, connecting through {@code host}, sslMode left to its default. */
  private static PgstreamPipeline pipeline(String host) {
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().source.host = host;
    p.getSpec().target.host = host;
    p.getSpec().source.sslMode = null;
    p.getSpec().target.sslMode = null;
    return p;
  }

  private static ConfigMap caConfigMap(String name, String key, String pem) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata().addToData(key, pem).build();
  }

  private void run(OperatorSettings settings, PgstreamPipeline p) {
    secrets.forEach(s -> client.resource(s).create());
    operator = PgstreamOperator.create(client, settings.withRunnerImages(Pipelines.RUNNERS));
    operator.start();
    client.resource(p).create();
  }

  /** A message for people: no exception class names, no stack frames, no handshake internals. */
  private static void assertReadable(String message) {
    assertThat(message).doesNotContain("Exception", "\tat ", "PKIX", "sun.security", "SSL error");
  }

  private Job job(String step) {
    return client.batch().v1().jobs().inNamespace(NAMESPACE).withName(NAME + "-" + step).get();
  }

  private String condition(String type) {
    return conditionOf(type).map(c -> c.getStatus() + "/" + c.getReason()).orElse(null);
  }

  private String message(String type) {
    return conditionOf(type).map(Condition::getMessage).orElse(null);
  }

  private Optional<Condition> conditionOf(String type) {
    PgstreamPipeline p = client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE).withName(NAME).get();
    if (p == null || p.getStatus() == null) {
      return Optional.empty();
    }
    return p.getStatus().conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
