package io.pgstream.operator;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pgstream.operator.aws.AwsPowers;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.tls.CaBundle;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How the operator runs.
 *
 * @param namespaces namespaces to watch; empty for all
 * @param serverSideApply true on real clusters; false only against the Fabric8 mock server, whose
 *     CRUD mode does not implement server-side apply
 * @param slotCheckInterval how often a streaming pipeline's replication slot is measured
 * @param awsEndpoint an AWS API endpoint override (an emulator); empty for AWS itself
 * @param database opens the operator's own database connections (checks, preparation, slot health)
 * @param leaderElectionNamespace where the leader-election Lease lives; empty runs without election
 * @param runnerImages snapshot runner images (pgstream plus PostgreSQL client tools) by client major
 * @param pgstreamImage the stock pgstream image of every other pod (a pipeline's spec.image overrides it)
 * @param guards what a pipeline may reference, connect to and run
 * @param awsPowers which namespaces may use which of the operator's AWS powers; none by default
 * @param defaultCaBundle the CA bundle a pipeline side without caBundle trusts; empty for none
 */
public record OperatorSettings(
    Set<String> namespaces,
    boolean serverSideApply,
    MeterRegistry registry,
    Duration slotCheckInterval,
    Optional<URI> awsEndpoint,
    DatabaseConnector database,
    Optional<String> leaderElectionNamespace,
    Map<Integer, String> runnerImages,
    String pgstreamImage,
    TenancyGuards guards,
    AwsPowers awsPowers,
    Optional<CaBundle> defaultCaBundle) {

  public static final String LEASE_NAME = "pgstream-operator";

  public static final Duration DEFAULT_SLOT_CHECK_INTERVAL = Duration.ofSeconds(60);

  /** Against the Fabric8 mock API server: no server-side apply, in-memory metrics. */
  public static OperatorSettings forMockServer() {
    return new OperatorSettings(
        Set.of(),
        false,
        new SimpleMeterRegistry(),
        DEFAULT_SLOT_CHECK_INTERVAL,
        Optional.empty(),
        DatabaseConnector.defaults(),
        Optional.empty(),
        Map.of(),
        PgstreamPods.DEFAULT_IMAGE,
        TenancyGuards.NONE,
        AwsPowers.none(),
        Optional.empty());
  }

  public OperatorSettings withSlotCheckInterval(Duration interval) {
    return new OperatorSettings(
        namespaces, serverSideApply, registry, interval, awsEndpoint, database, leaderElectionNamespace, runnerImages, pgstreamImage, guards,
        awsPowers, defaultCaBundle);
  }

  public OperatorSettings withRegistry(MeterRegistry meters) {
    return new OperatorSettings(
        namespaces, serverSideApply, meters, slotCheckInterval, awsEndpoint, database, leaderElectionNamespace, runnerImages, pgstreamImage, guards,
        awsPowers, defaultCaBundle);
  }

  public OperatorSettings withRunnerImages(Map<Integer, String> images) {
    return new OperatorSettings(
        namespaces, serverSideApply, registry, slotCheckInterval, awsEndpoint, database, leaderElectionNamespace, images, pgstreamImage, guards,
        awsPowers, defaultCaBundle);
  }

  public OperatorSettings withAwsEndpoint(URI endpoint) {
    return new OperatorSettings(
        namespaces, serverSideApply, registry, slotCheckInterval, Optional.of(endpoint), database, leaderElectionNamespace, runnerImages,
        pgstreamImage, guards, awsPowers, defaultCaBundle);
  }

  public OperatorSettings withGuards(TenancyGuards tenancy) {
    return new OperatorSettings(
        namespaces, serverSideApply, registry, slotCheckInterval, awsEndpoint, database, leaderElectionNamespace, runnerImages, pgstreamImage, tenancy,
        awsPowers, defaultCaBundle);
  }

  public OperatorSettings withAwsPowers(AwsPowers powers) {
    return new OperatorSettings(
        namespaces, serverSideApply, registry, slotCheckInterval, awsEndpoint, database, leaderElectionNamespace, runnerImages, pgstreamImage, guards,
        powers, defaultCaBundle);
  }

  public OperatorSettings withDefaultCaBundle(CaBundle bundle) {
    return new OperatorSettings(
        namespaces, serverSideApply, registry, slotCheckInterval, awsEndpoint, database, leaderElectionNamespace, runnerImages, pgstreamImage, guards,
        awsPowers, Optional.of(bundle));
  }

  public OperatorSettings withPgstreamImage(String image) {
    return new OperatorSettings(
        namespaces, serverSideApply, registry, slotCheckInterval, awsEndpoint, database, leaderElectionNamespace, runnerImages, image,
        guards, awsPowers, defaultCaBundle);
  }
}
