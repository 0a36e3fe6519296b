package io.pgstream.operator.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.support.Pipelines;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class CredentialsCacheTest {
  KubernetesClient client;
  Instant now = Instant.parse("2026-11-24T10:00:00Z");

  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  private String sourcePassword(CredentialsCache cache, PgstreamPipeline p) {
    return ((CredentialsResolver.Resolved) cache.resolve(p)).credentials().sourcePassword();
  }

  @Test
  void reusesWithinAGenerationAndRefreshesOnChangeOrAfterTheInterval() {
    Pipelines.secretsFor("c").forEach(s -> client.resource(s).create());
    PgstreamPipeline p = Pipelines.snapshotAndReplication("c");
    p.getMetadata().setGeneration(1L);
    CredentialsCache cache = new CredentialsCache(new CredentialsResolver(client), Duration.ofMinutes(5), clock);
    assertThat(sourcePassword(cache, p)).isEqualTo(Pipelines.SOURCE_PASSWORD);

    client.resource(Pipelines.secret("c-source", "u", "rotated")).update();
    now = now.plus(Duration.ofMinutes(4));
    assertThat(sourcePassword(cache, p)).as("same generation, within the interval").isEqualTo(Pipelines.SOURCE_PASSWORD);

    now = now.plus(Duration.ofMinutes(2));
    assertThat(sourcePassword(cache, p)).as("after the interval").isEqualTo("rotated");

    client.resource(Pipelines.secret("c-source", "u", "again")).update();
    p.getMetadata().setGeneration(2L);
    assertThat(sourcePassword(cache, p)).as("a changed spec reads at once").isEqualTo("again");
  }

  @Test
  void aMissingSecretIsNotRemembered() {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("m");
    CredentialsCache cache = new CredentialsCache(new CredentialsResolver(client), Duration.ofMinutes(5), clock);
    assertThat(cache.resolve(p)).isInstanceOf(CredentialsResolver.Unavailable.class);
    Pipelines.secretsFor("m").forEach(s -> client.resource(s).create());
    assertThat(cache.resolve(p)).isInstanceOf(CredentialsResolver.Resolved.class);
  }

  @Test
  void theCacheServesNoSecretTheGuardWouldRefuse() {
    Pipelines.secretsFor("l").forEach(s -> {
      s.getMetadata().setLabels(Map.of(ReferableSecrets.REFERENCE_LABEL, "true"));
      client.resource(s).create();
    });
    client.resource(Pipelines.secret("l-unoffered", "admin", "other-team-password")).create();
    PgstreamPipeline p = Pipelines.snapshotAndReplication("l");
    p.getMetadata().setGeneration(1L);
    CredentialsCache cache = new CredentialsCache(new CredentialsResolver(new ReferableSecrets(client, true)), Duration.ofMinutes(5), clock);
    assertThat(cache.resolve(p)).isInstanceOf(CredentialsResolver.Resolved.class);

    p.getSpec().target.password = new SecretValueSource(new SecretKeyRef("l-unoffered", "password"));
    p.getMetadata().setGeneration(2L);
    assertThat(cache.resolve(p))
        .as("a new reference is resolved, not served from the cache")
        .isInstanceOfSatisfying(
            CredentialsResolver.Unavailable.class, u -> assertThat(u.problem().reason()).isEqualTo("SecretNotReferenceable"));

    p.getSpec().target.password = new SecretValueSource(new SecretKeyRef("l-target", "password"));
    p.getMetadata().setGeneration(3L);
    assertThat(cache.resolve(p)).isInstanceOf(CredentialsResolver.Resolved.class);
    client.resource(Pipelines.secret("l-source", "u", "still-here")).update();
    now = now.plus(Duration.ofMinutes(6));
    assertThat(cache.resolve(p)).as("an offer withdrawn shows after the refresh interval").isInstanceOf(CredentialsResolver.Unavailable.class);
  }
}
