package io.pgstream.operator.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * AWS SDK v2 clients with the default credentials chain (IRSA web identity, EKS Pod Identity,
 * environment, ...), one per service and region, kept for the operator's lifetime: callers must not
 * close them. Every call, retries included, ends within {@link #API_CALL_TIMEOUT}, so an unreachable
 * AWS API holds a reconcile thread for seconds, not minutes. An endpoint override points them at an
 * emulator.
 */
public class AwsClients {
  static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(20);
  static final Duration API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(8);

  private final Optional<URI> endpoint;
  private final SdkHttpClient http = UrlConnectionHttpClient.create();
  private final Map<String, RdsClient> rds = new ConcurrentHashMap<>();
  private final Map<String, SecretsManagerClient> secretsManager = new ConcurrentHashMap<>();

  public AwsClients(Optional<URI> endpoint) {
    this.endpoint = endpoint;
  }

  public RdsClient rds(String region) {
    return rds.computeIfAbsent(
        known(region),
        r -> {
          var builder = RdsClient.builder().region(Region.of(r)).httpClient(http).overrideConfiguration(timeouts());
          endpoint.ifPresent(builder::endpointOverride);
          return builder.build();
        });
  }

  public SecretsManagerClient secretsManager(String region) {
    return secretsManager.computeIfAbsent(
        known(region),
        r -> {
          var builder = SecretsManagerClient.builder().region(Region.of(r)).httpClient(http).overrideConfiguration(timeouts());
          endpoint.ifPresent(builder::endpointOverride);
          return builder.build();
        });
  }

  /** Only regions AWS has (or any, for an emulator): the clients are kept, so a spec must not create them at will. */
  private String known(String region) {
    if (endpoint.isEmpty() && !Region.regions().contains(Region.of(region))) {
      throw new IllegalArgumentException("spec.source.rds.region " + region + " is not an AWS region");
    }
    return region;
  }

  private static ClientOverrideConfiguration timeouts() {
    return ClientOverrideConfiguration.builder().apiCallTimeout(API_CALL_TIMEOUT).apiCallAttemptTimeout(API_CALL_ATTEMPT_TIMEOUT).build();
  }
}
