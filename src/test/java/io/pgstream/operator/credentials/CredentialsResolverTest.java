package io.pgstream.operator.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.support.Pipelines;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class CredentialsResolverTest {
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
}
