package io.pgstream.operator.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.support.Pipelines;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class CredentialsResolverTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void refusesAPasswordPgstreamCannotDeliverNamingTheLogin() {
    client.resource(Pipelines.secret("r-source", "u", "fine")).create();
    client.resource(Pipelines.secret("r-target", "v", "not fine")).create();

    CredentialsResolver.Result result = new CredentialsResolver(client).resolve(Pipelines.snapshotAndReplication("r"));

    assertThat(result)
        .isInstanceOfSatisfying(
            CredentialsResolver.Unavailable.class,
            u -> {
              assertThat(u.problem().reason()).isEqualTo(PasswordCharacters.REASON);
              assertThat(u.problem().message()).startsWith("the target password contains a space");
            });
  }

  @Test
  void checksTheSourceAdminOnlyWhenPgstreamInitRunsAsIt() {
    client.resource(Pipelines.secret("a-source", "u", "fine")).create();
    client.resource(Pipelines.secret("a-target", "v", "fine")).create();
    client.resource(Pipelines.secret("a-admin", "master", "admin pass")).create();
    PgstreamPipeline p = Pipelines.snapshotAndReplication("a");
    p.getSpec().prepare = new PrepareSpec();
    p.getSpec().prepare.source = new SourcePrepareSpec();
    p.getSpec().prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef("a-admin", "username"));
    p.getSpec().prepare.source.adminPassword = new SecretValueSource(new SecretKeyRef("a-admin", "password"));
    CredentialsResolver resolver = new CredentialsResolver(client);

    assertThat(resolver.resolve(p)).as("the admin only prepares, over JDBC").isInstanceOf(CredentialsResolver.Resolved.class);

    p.getSpec().prepare.source.initAsAdmin = true;
    assertThat(resolver.resolve(p))
        .isInstanceOfSatisfying(
            CredentialsResolver.Unavailable.class,
            u -> assertThat(u.problem().message()).startsWith("the source admin password contains a space"));
  }

  @Test
  void withTheLabelRequiredAnUnlabelledSecretIsNeitherReadNorToldApartFromAMissingOne() throws Exception {
    client.resource(Pipelines.secret("g-source", "u", "fine")).create();
    PgstreamPipeline p = Pipelines.snapshotAndReplication("g");
    CredentialsResolver guarded = new CredentialsResolver(new ReferableSecrets(client, true));
    requests();

    CredentialsResolver.Result unlabelled = guarded.resolve(p);

    assertThat(unlabelled)
        .isInstanceOfSatisfying(
            CredentialsResolver.Unavailable.class,
            u -> {
              assertThat(u.problem().reason()).isEqualTo("SecretNotReferenceable");
              assertThat(u.problem().message())
                  .startsWith("Secret default/g-source (source username) does not exist or lacks the label"
                      + " pgstream.io/reference-allowed: \"true\"")
                  .contains("the platform or namespace admin who manages the Secret adds the label")
                  .contains("kubectl label secret g-source -n default pgstream.io/reference-allowed=true")
                  .doesNotContain("fine");
            });
    List<String> secretReads = requests().stream().map(RecordedRequest::getPath).filter(path -> path.contains("/secrets")).toList();
    assertThat(secretReads).isNotEmpty().allSatisfy(path -> assertThat(path).contains("labelSelector=pgstream.io%2Freference-allowed%3Dtrue"));

    offer(client.resource(Pipelines.secret("g-source", "u", "fine")).get());
    assertThat(guarded.resolve(p))
        .as("the target Secret does not exist: told the same way")
        .isInstanceOfSatisfying(
            CredentialsResolver.Unavailable.class,
            u -> assertThat(u.problem().message()).startsWith("Secret default/g-target (target username) does not exist or lacks"));

    client.resource(Pipelines.secret("g-target", "v", "fine")).create();
    offer(client.resource(Pipelines.secret("g-target", "v", "fine")).get());
    assertThat(guarded.resolve(p)).isInstanceOf(CredentialsResolver.Resolved.class);
  }

  @Test
  void withoutTheGuardAnySecretOfTheNamespaceIsRead() {
    Pipelines.secretsFor("n").forEach(s -> client.resource(s).create());
    assertThat(new CredentialsResolver(new ReferableSecrets(client, false)).resolve(Pipelines.snapshotAndReplication("n")))
        .isInstanceOf(CredentialsResolver.Resolved.class);
  }

  private void offer(Secret secret) {
    secret.getMetadata().setLabels(java.util.Map.of(ReferableSecrets.REFERENCE_LABEL, "true"));
    client.resource(secret).update();
  }

  private List<RecordedRequest> requests() throws InterruptedException {
    List<RecordedRequest> seen = new ArrayList<>();
    for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS); r != null; r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
      seen.add(r);
    }
    return seen;
  }
}
