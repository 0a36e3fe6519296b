package io.pgstream.operator.aws;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Builds AWS SDK v2 clients with the default credentials chain (IRSA web identity, EKS Pod Identity,
 * environment, ...) and the region from the spec. An endpoint override points them at an emulator.
 */
public class AwsClients {
  private final Optional<URI> endpoint;

  public AwsClients(Optional<URI> endpoint) {
    this.endpoint = endpoint;
  }

  public RdsClient rds(String region) {
    var builder = RdsClient.builder().region(Region.of(region)).httpClient(UrlConnectionHttpClient.create());
    endpoint.ifPresent(builder::endpointOverride);
    return builder.build();
  }

  public SecretsManagerClient secretsManager(String region) {
    var builder =
        SecretsManagerClient.builder().region(Region.of(region)).httpClient(UrlConnectionHttpClient.create());
    endpoint.ifPresent(builder::endpointOverride);
    return builder.build();
  }
}
