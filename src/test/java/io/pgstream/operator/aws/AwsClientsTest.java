package io.pgstream.operator.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;

/** Review L4: one client per service and region, with a bound on every call. */
class AwsClientsTest {
  @Test
  void oneClientPerRegionWithCallTimeouts() {
    System.setProperty("aws.accessKeyId", "AKIDTEST");
    System.setProperty("aws.secretAccessKey", "test-secret");
    AwsClients clients = new AwsClients(Optional.empty());
    RdsClient rds = clients.rds("eu-west-1");
    assertThat(clients.rds("eu-west-1")).isSameAs(rds);
    assertThat(clients.rds("us-east-1")).isNotSameAs(rds);
    assertThat(clients.secretsManager("eu-west-1")).isSameAs(clients.secretsManager("eu-west-1"));
    var override = rds.serviceClientConfiguration().overrideConfiguration();
    assertThat(override.apiCallTimeout()).contains(Duration.ofSeconds(20));
    assertThat(override.apiCallAttemptTimeout()).contains(Duration.ofSeconds(8));
  }

  @Test
  void aRegionAwsDoesNotHaveGetsNoClient() {
    assertThatThrownBy(() -> new AwsClients(Optional.empty()).rds("zz-nowhere-9")).hasMessageContaining("is not an AWS region");
    assertThat(new AwsClients(Optional.of(URI.create("http://127.0.0.1:1"))).rds("zz-nowhere-9")).as("an emulator takes any").isNotNull();
  }
}
