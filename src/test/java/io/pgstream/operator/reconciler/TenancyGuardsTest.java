package io.pgstream.operator.reconciler;

import io.pgstream.operator.config.ReplicationSlots;
import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.TenancyGuards;
import io.pgstream.operator.api.CaBundleSource;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PodTemplate;
import io.pgstream.operator.api.PreflightPolicy;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.credentials.ReferableSecrets;
import io.pgstream.operator.dependent.ImageAllowList;
import io.pgstream.operator.preflight.HostAllowList;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.JunkPeer;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestCertificates;
import io.pgstream.operator.support.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The platform team's opt-in guards with the real operator against the Fabric8 mock API server and
 * the embedded PostgreSQL: each refusal is a condition with its own reason and an Event, and comes
 * before the operator reads an unoffered Secret, dials a host or creates a pod.
 */
@EnableKubernetesMockClient(crud = true)
class TenancyGuardsTest {
  static final String NAME = "guarded";
  static final String ADMIN_PASSWORD = "adm1n-P@ss:w/rd";
  static final Duration RECHECK = PgstreamPipelineReconciler.MIN_RECHECK.plusSeconds(20);

  KubernetesMockServer server;
  KubernetesClient client;
  Operator operator;
  final JunkPeer junk = new JunkPeer();

  @AfterEach
  void stopAndCheckNothingLeaked() throws Exception {
    operator.stop();
    junk.close();
    TestDatabases.dropSlots();
    List<String> exposed = new ArrayList<>();
    client.v1().events().inAnyNamespace().list().getItems().forEach(e -> exposed.add(Serialization.asJson(e)));
    client.configMaps().inAnyNamespace().list().getItems().forEach(c -> exposed.add(Serialization.asJson(c)));
    Optional.ofNullable(pipeline()).ifPresent(p -> exposed.add(Serialization.asJson(p)));
    assertThat(exposed).noneMatch(
        text -> text.contains(Pipelines.SOURCE_PASSWORD) || text.contains(Pipelines.TARGET_PASSWORD) || text.contains(ADMIN_PASSWORD));
  }

  @Test
  void theDerivedSecretHoldsTheSourceAdminOnlyWhileInitRunsAsIt() {
    start(TenancyGuards.NONE);
    PgstreamPipeline p = withSourceAdmin(Pipelines.onTestDatabase(NAME));
    // The login the operator creates may not create event triggers; this test is about the derived Secret.
    p.getSpec().preflight = PreflightPolicy.Skip;
    apply(p);

    await().until(() -> job("init") != null && "True/Prepared".equals(condition("Prepared")));
    assertThat(derivedSecret().getData()).doesNotContainKeys("PGSTREAM_SOURCE_ADMIN_USER", "PGSTREAM_SOURCE_ADMIN_PASSWORD");

    setInitAsAdmin(true);
    await().until(() -> derivedSecret().getData().containsKey("PGSTREAM_SOURCE_ADMIN_PASSWORD"));

    setInitAsAdmin(false);
    await().until(() -> !derivedSecret().getData().containsKey("PGSTREAM_SOURCE_ADMIN_PASSWORD"));
    assertThat(derivedSecret().getData()).doesNotContainKey("PGSTREAM_SOURCE_ADMIN_USER");

    // The update above triggers reconciles of its own (the Secret's informer sees it): they write nothing.
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    String secretVersion = derivedSecret().getMetadata().getResourceVersion();
    String pipelineVersion = pipeline().getMetadata().getResourceVersion();
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(derivedSecret().getMetadata().getResourceVersion()).isEqualTo(secretVersion);
    assertThat(pipeline().getMetadata().getResourceVersion()).isEqualTo(pipelineVersion);
  }

  @Test
  void aDerivedSecretEmptiedByHandIsRefilled() {
    start(TenancyGuards.NONE);
    apply(Pipelines.onTestDatabase(NAME));
    await().until(() -> job("init") != null && derivedSecret() != null);

    // Stored as "data": null, which Fabric8 reads back as no map at all (an omitted field reads as an empty one).
    String emptied = Serialization.asJson(derivedSecret()).replaceFirst("\"data\":\\{[^}]*}", "\"data\":null");
    assertThat(emptied).contains("\"data\":null");
    client.raw(client.getMasterUrl() + "api/v1/namespaces/" + NAMESPACE + "/secrets/" + NAME + "-pgstream-credentials", "PUT", emptied);

    await().until(() -> refilled() || "False/ReconcileError".equals(condition("Ready")));
    assertThat(message("Ready")).doesNotStartWith("Reconcile failed");
    assertThat(refilled()).isTrue();
    assertThat(eventReasons()).doesNotContain("ReconcileError");
  }

  @Test
  void withTheLabelRequiredAnUnofferedSecretStopsThePipelineUntilItsAdminOffersIt() {
    start(new TenancyGuards(true, HostAllowList.ANY, ImageAllowList.ANY));
    apply(Pipelines.onTestDatabase(NAME));

    await().until(() -> "False/SecretNotReferenceable".equals(condition("ConfigRendered")));
    assertThat(message("ConfigRendered"))
        .contains("Secret default/guarded-source")
        .contains("pgstream.io/reference-allowed")
        .contains("the platform or namespace admin");
    await().until(() -> eventReasons().contains("SecretNotReferenceable"));
    assertThat(derivedSecret()).as("nothing was copied").isNull();
    assertThat(job("init")).isNull();

    for (Secret s : Pipelines.secretsFor(NAME)) {
      s.getMetadata().setLabels(Map.of(ReferableSecrets.REFERENCE_LABEL, "true"));
      client.resource(s).update();
    }
    await().atMost(RECHECK).until(() -> job("init") != null && "True/Rendered".equals(condition("ConfigRendered")));
  }

  /** Offered Secrets come from the operator's watch: pipelines referencing them send no read of their own. */
  @Test
  void offeredLoginSecretsAreTakenFromTheWatchWithoutReadingThem() throws InterruptedException {
    start(new TenancyGuards(true, HostAllowList.ANY, ImageAllowList.ANY));
    for (Secret s : Pipelines.secretsFor(NAME)) {
      s.getMetadata().setLabels(Map.of(ReferableSecrets.REFERENCE_LABEL, "true"));
      client.resource(s).create();
    }
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true); // the watch shows them
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // what came before the pipeline
    }
    client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE).resource(Pipelines.onTestDatabase(NAME)).create();

    await().until(() -> job("init") != null);
    List<String> loginReads = new ArrayList<>();
    for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS); r != null; r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
      if (r.getMethod().equals("GET") && (r.getPath().contains("/secrets/" + NAME + "-") || r.getPath().contains("fieldSelector"))) {
        loginReads.add(r.getPath());
      }
    }
    assertThat(loginReads).isEmpty();
  }

  /** The kubelet, not the operator, reads a pod template's Secrets; the guard still decides which a pipeline may name. */
  @Test
  void withTheLabelRequiredAPodTemplatesSecretMustBeOfferedToo() {
    start(new TenancyGuards(true, HostAllowList.ANY, ImageAllowList.ANY));
    Secret token = Pipelines.secret("team-token", "unused", "t0ken-value");
    client.resource(token).create();
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().podTemplate =
        Serialization.unmarshal("spec: {envFrom: [{prefix: TEAM_, secretRef: {name: team-token}}]}", PodTemplate.class);
    applyWithOfferedLogins(p);

    await().until(() -> "False/SecretNotReferenceable".equals(condition("ConfigRendered")));
    assertThat(message("ConfigRendered")).contains("Secret default/team-token (spec.podTemplate env)");
    assertThat(job("init")).as("no pod reads it").isNull();

    token.getMetadata().setLabels(Map.of(ReferableSecrets.REFERENCE_LABEL, "true"));
    client.resource(token).update();
    await().atMost(RECHECK).until(() -> job("init") != null);
    assertThat(job("init").getSpec().getTemplate().getSpec().getContainers().get(0).getEnvFrom())
        .singleElement().satisfies(e -> assertThat(e.getSecretRef().getName()).isEqualTo("team-token"));
  }

  @Test
  void withTheLabelRequiredACaBundleSecretMustBeOfferedToo() {
    start(new TenancyGuards(true, HostAllowList.ANY, ImageAllowList.ANY));
    Secret ca = new SecretBuilder()
        .withNewMetadata().withName("some-tls").withNamespace(NAMESPACE).endMetadata()
        .addToData("ca.crt", Base64.getEncoder().encodeToString(TestCertificates.get().caPem().getBytes(StandardCharsets.UTF_8)))
        .build();
    client.resource(ca).create();
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().source.caBundle = new CaBundleSource();
    p.getSpec().source.caBundle.secretKeyRef = new SecretKeyRef("some-tls", "ca.crt");
    p.getSpec().source.sslMode = SslMode.VERIFY_CA;
    applyWithOfferedLogins(p);

    await().until(() -> "False/SecretNotReferenceable".equals(condition("ConfigRendered")));
    assertThat(message("ConfigRendered")).contains("Secret default/some-tls (CA bundle of spec.source.caBundle)");
    assertThat(client.configMaps().inNamespace(NAMESPACE).list().getItems())
        .as("nothing of the unoffered Secret is copied")
        .noneMatch(c -> c.getData() != null && c.getData().containsKey("source-ca.crt"));

    ca.getMetadata().setLabels(Map.of(ReferableSecrets.REFERENCE_LABEL, "true"));
    client.resource(ca).update();
    await().atMost(RECHECK).until(() -> "True/Rendered".equals(condition("ConfigRendered")));
  }

  @Test
  void thePlatformsStockImageRunsThePodsOfPipelinesWithoutSpecImage() {
    String mirror = "registry.example.com/mirror/pgstream:1.3.1@sha256:" + "cd".repeat(32);
    start(OperatorSettings.forMockServer().withPgstreamImage(mirror));
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().image = null;
    apply(p);

    await().until(() -> job("init") != null);
    assertThat(job("init").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(mirror);
  }

  @Test
  void aDatabaseHostOutsideTheAllowListIsRefusedBeforeAnyConnection() {
    start(new TenancyGuards(false, HostAllowList.of(List.of("*.rds.amazonaws.com", "10.0.0.0/8")), ImageAllowList.ANY));
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().source.port = junk.port();
    p.getSpec().target.port = junk.port();
    apply(p);

    await().until(() -> "False/HostNotAllowed".equals(condition("SourceReady")));
    assertThat(message("SourceReady"))
        .startsWith("Source host 127.0.0.1 is not in the operator's allowed database hosts (*.rds.amazonaws.com, 10.0.0.0/8)");
    await().until(() -> eventReasons().contains("HostNotAllowed"));
    assertThat(condition("Ready")).isEqualTo("False/HostNotAllowed");
    assertThat(junk.connections()).as("the operator never dialled the host").isZero();
    assertThat(derivedSecret()).isNull();
  }

  @Test
  void aDatabaseHostInsideAnAllowedNetworkIsServed() {
    start(new TenancyGuards(false, HostAllowList.of(List.of("*.rds.amazonaws.com", "127.0.0.0/8")), ImageAllowList.ANY));
    apply(Pipelines.onTestDatabase(NAME));

    await().until(() -> job("init") != null && "True/ChecksPassed".equals(condition("SourceReady")));
  }

  @Test
  void anImageOutsideTheAllowListRunsNoPodAndGetsNoCredentials() {
    start(new TenancyGuards(false, HostAllowList.ANY, ImageAllowList.of(List.of("registry.example.com/pgstream/"))));
    PgstreamPipeline p = withSourceAdmin(Pipelines.onTestDatabase(NAME));
    p.getSpec().prepare.source.initAsAdmin = true;
    p.getSpec().image = "evil.example.org/pgstream:1";
    apply(p);

    await().until(() -> "False/ImageNotAllowed".equals(condition("ConfigRendered")));
    assertThat(message("ConfigRendered"))
        .startsWith("spec.image evil.example.org/pgstream:1 does not start with any of the operator's allowed image prefixes"
            + " (registry.example.com/pgstream/)");
    await().until(() -> eventReasons().contains("ImageNotAllowed"));
    assertThat(job("init")).isNull();
    assertThat(derivedSecret()).isNull();

    edit(allowed -> allowed.getSpec().image = "registry.example.com/pgstream/runner:1");
    await().atMost(RECHECK).until(() -> job("init") != null);
    assertThat(job("init").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/pgstream/runner:1");
    assertThat(derivedSecret().getData()).containsKey("PGSTREAM_SOURCE_ADMIN_PASSWORD");
  }

  @Test
  void aDeletedPipelineWhoseImageIsRefusedRunsNoDestroyJob() {
    start(new TenancyGuards(false, HostAllowList.ANY, ImageAllowList.of(List.of("registry.example.com/pgstream/"))));
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    p.getSpec().image = "registry.example.com/pgstream/runner:1";
    initialisedWithDeletionPolicyDelete(p);

    edit(refused -> refused.getSpec().image = "evil.example.org/pgstream:1");
    await().until(() -> "False/ImageNotAllowed".equals(condition("ConfigRendered")));
    client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE).withName(NAME).delete();

    await().until(() -> eventReasons().contains("DestroyBlocked"));
    assertThat(job("destroy")).isNull();
    assertThat(pipeline()).as("kept, with the slot, until the image is fixed or the finalizer removed").isNotNull();
  }

  @Test
  void aDeletedPipelineWhoseHostWasEditedToARefusedOneDropsTheRecordedSlotWhereItWas() {
    // The review's probe: after init, the host is pointed at a listener of the tenant's, then the pipeline deleted.
    String attacker = "192.0.2.7";
    start(new TenancyGuards(false, HostAllowList.of(List.of("127.0.0.0/8")), ImageAllowList.ANY));
    PgstreamPipeline p = Pipelines.onTestDatabase(NAME);
    initialisedWithDeletionPolicyDelete(p);

    edit(refused -> refused.getSpec().source.host = attacker);
    await().until(() -> "False/HostNotAllowed".equals(condition("SourceReady")));
    client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE).withName(NAME).delete();

    // Deletion works from the recorded slot: dropped over JDBC on the recorded (allowed) server, not where the spec points now.
    await().until(() -> pipeline() == null);
    assertThat(TestDatabases.slotExists(ReplicationSlots.defaultName(Pipelines.NAMESPACE, NAME))).isFalse();
    assertThat(job("destroy")).isNull();
    assertThat(client.configMaps().inNamespace(NAMESPACE).list().getItems())
        .as("no config names the refused host")
        .noneMatch(c -> Serialization.asJson(c).contains(attacker));
  }

  /** Applied and past init, with a replication slot that deletion would drop. */
  private void initialisedWithDeletionPolicyDelete(PgstreamPipeline p) {
    p.getSpec().deletionPolicy = DeletionPolicy.Delete;
    apply(p);
    await().until(() -> job("init") != null);
    TestDatabases.createSlot(ReplicationSlots.defaultName("default", NAME));
    new FakeKubelet(client).jobSucceeded(NAMESPACE, NAME + "-init");
    await().until(() -> job("snapshot") != null);
  }

  private void start(TenancyGuards guards) {
    start(OperatorSettings.forMockServer().withGuards(guards));
  }

  private void start(OperatorSettings settings) {
    operator = PgstreamOperator.create(client, settings.withRunnerImages(Pipelines.RUNNERS));
    operator.start();
  }

  private PgstreamPipeline withSourceAdmin(PgstreamPipeline p) {
    TestDatabases.ready().login("guard_admin", ADMIN_PASSWORD, "SUPERUSER");
    client.resource(Pipelines.secret(NAME + "-admin", "guard_admin", ADMIN_PASSWORD)).create();
    // An admin login is refused over a connection that may be plaintext.
    p.getSpec().source.sslMode = SslMode.REQUIRE;
    p.getSpec().prepare = new PrepareSpec();
    p.getSpec().prepare.source = new SourcePrepareSpec();
    p.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef(NAME + "-admin", "username"));
    p.getSpec().prepare.source.adminPassword = new SecretValueSource(new SecretKeyRef(NAME + "-admin", "password"));
    return p;
  }

  private void setInitAsAdmin(boolean on) {
    edit(p -> p.getSpec().prepare.source.initAsAdmin = on);
  }

  /** A patch of the spec, which the operator's status writes do not conflict with. */
  /** An edit that loses a race with the operator's status write (409) is tried again on the new version. */
  private void edit(java.util.function.Consumer<PgstreamPipeline> change) {
    await().ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE).withName(NAME).edit(p -> {
        change.accept(p);
        return p;
      });
      return true;
    });
  }

  /** The pipeline with its login Secrets offered (labelled); what else it names is the test's. */
  private void applyWithOfferedLogins(PgstreamPipeline p) {
    for (Secret s : Pipelines.secretsFor(NAME)) {
      s.getMetadata().setLabels(Map.of(ReferableSecrets.REFERENCE_LABEL, "true"));
      client.resource(s).create();
    }
    client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE).resource(p).create();
  }

  private void apply(PgstreamPipeline p) {
    List<Secret> secrets = new ArrayList<>(Pipelines.secretsFor(NAME));
    if (p.getSpec().prepare != null) {
      // Preparation manages only logins it creates: the source login is one it creates and marks.
      secrets.set(0, Pipelines.secret(NAME + "-source", "guard_stream", Pipelines.SOURCE_PASSWORD));
    }
    secrets.forEach(s -> client.resource(s).create());
    client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE).resource(p).create();
  }

  private PgstreamPipeline pipeline() {
    return client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE).withName(NAME).get();
  }

  private Secret derivedSecret() {
    return client.secrets().inNamespace(NAMESPACE).withName(NAME + "-pgstream-credentials").get();
  }

  private boolean refilled() {
    Map<String, String> data = derivedSecret().getData();
    return data != null && data.containsKey("PGSTREAM_SOURCE_PASSWORD");
  }

  private Job job(String step) {
    return client.batch().v1().jobs().inNamespace(NAMESPACE).withName(NAME + "-" + step).get();
  }

  private Optional<Condition> conditionOf(String type) {
    PgstreamPipeline p = pipeline();
    if (p == null || p.getStatus() == null) {
      return Optional.empty();
    }
    return p.getStatus().conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private String condition(String type) {
    return conditionOf(type).map(c -> c.getStatus() + "/" + c.getReason()).orElse(null);
  }

  private String message(String type) {
    return conditionOf(type).map(Condition::getMessage).orElse(null);
  }

  private List<String> eventReasons() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream().map(Event::getReason).toList();
  }
}
