package io.pgstream.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.OperatorException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgstream.operator.Errors;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.TenancyGuards;
import io.pgstream.operator.aws.AwsPowers;
import io.pgstream.operator.aws.AwsPowers.Power;
import io.pgstream.operator.dependent.ImageAllowList;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.HostAllowList;
import io.pgstream.operator.tls.CaBundle;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Runs the operator against the cluster of the current kubeconfig or in-cluster service account. */
@Command(name = "run", description = "Run the operator (the default).")
class RunCommand implements Callable<Integer> {
  @Option(
      names = {"-n", "--namespace"},
      description = "Namespace to watch; repeat for several. All namespaces when omitted.")
  List<String> namespaces = List.of();

  @Option(
      names = "--http-port",
      defaultValue = "8080",
      description = "Port of /metrics (Prometheus), /healthz and /readyz; 0 disables them.")
  int httpPort;

  @Option(
      names = "--slot-check-interval",
      defaultValue = "60",
      description = "Seconds between measurements of each streaming pipeline's replication slot.")
  long slotCheckSeconds;

  @Option(
      names = "--aws-endpoint-url",
      description = "AWS API endpoint override, for an emulator; AWS itself when omitted (also AWS_ENDPOINT_URL).")
  URI awsEndpoint;

  // The operator's IAM role serves every namespace: each power beyond reading is off until granted.
  @Option(
      names = "--allow-rds-master-secret",
      split = ",",
      paramLabel = "NAMESPACES",
      description = "Namespaces (comma-separated, * for all) whose pipelines may use spec.source.rds.masterUserSecret.")
  List<String> allowMasterSecret = List.of();

  @Option(
      names = "--allow-rds-iam-admin",
      split = ",",
      paramLabel = "NAMESPACES",
      description = "Namespaces (comma-separated, * for all) whose pipelines may use spec.source.rds.iamAuthentication.")
  List<String> allowIamAdmin = List.of();

  @Option(
      names = "--allow-rds-parameter-group-changes",
      split = ",",
      paramLabel = "NAMESPACES",
      description = "Namespaces (comma-separated, * for all) whose pipelines may use spec.source.rds.manageParameterGroup.")
  List<String> allowParameterGroupChanges = List.of();

  @Option(
      names = "--allow-rds-reboot",
      split = ",",
      paramLabel = "NAMESPACES",
      description = "Namespaces (comma-separated, * for all) whose pipelines may use spec.source.rds.rebootPolicy: Immediate.")
  List<String> allowReboot = List.of();

  @Option(
      names = "--leader-election-namespace",
      description = "Elect a leader through a Lease in this namespace (for more than one replica); off when omitted.")
  String leaderElectionNamespace;

  @Option(
      names = "--runner-image",
      description =
          "MAJOR=IMAGE: an image with pgstream and the PostgreSQL client tools of that major, for schema snapshots;"
              + " repeat for several majors.")
  Map<Integer, String> runnerImages = Map.of();

  @Option(
      names = "--pgstream-image",
      defaultValue = PgstreamPods.DEFAULT_IMAGE,
      description =
          "The pgstream image of init, streaming and data-only snapshot pods (tag or @sha256 digest, e.g. a mirror);"
              + " a pipeline's spec.image overrides it. Default: ${DEFAULT-VALUE}.")
  String pgstreamImage;

  @Option(
      names = "--require-secret-reference-label",
      description =
          "Pipelines may only reference Secrets labelled pgstream.io/reference-allowed=true, for namespaces where"
              + " creating pipelines does not imply reading Secrets.")
  boolean requireSecretReferenceLabel;

  @Option(
      names = "--allowed-database-hosts",
      split = ",",
      description =
          "Database hosts the operator may connect to: names, *.suffix patterns (matched on the name) and"
              + " addresses/CIDRs (every resolved address must lie in one); any host when omitted.")
  List<String> allowedDatabaseHosts = List.of();

  @Option(
      names = "--allowed-image-prefixes",
      split = ",",
      description = "Image prefixes spec.image may use (the operator's own images are not checked); any image when omitted.")
  List<String> allowedImagePrefixes = List.of();

  @Option(
      names = "--default-ca-bundle",
      description =
          "PEM file of the CA bundle that pipeline sides without spec.*.caBundle trust (e.g. the AWS RDS global bundle);"
              + " none when omitted.")
  Path defaultCaBundle;

  @Option(names = "--log-format", defaultValue = "text", description = "text (default) or json, one object per line.")
  void logFormat(String format) {
    // Read by logback.xml; set before the first logger exists.
    System.setProperty("LOG_FORMAT", "json".equals(format) ? "json" : "text");
  }

  @Spec CommandSpec spec;

  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicBoolean lostLeadership = new AtomicBoolean();
  private Operator operator;
  private OperatorHttpServer http;
  private KubernetesClient client;

  @Override
  public Integer call() throws InterruptedException, IOException {
    TenancyGuards guards = guards();
    Optional<CaBundle> caBundle;
    try {
      caBundle = defaultCaBundle == null ? Optional.empty() : Optional.of(CaBundle.readDefault(defaultCaBundle));
    } catch (CaBundle.InvalidCaBundle e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    client = new KubernetesClientBuilder().build();
    OperatorSettings settings =
        new OperatorSettings(
            new LinkedHashSet<>(namespaces),
            true,
            registry,
            Duration.ofSeconds(slotCheckSeconds),
            Optional.ofNullable(awsEndpoint),
            DatabaseConnector.defaults(),
            Optional.ofNullable(leaderElectionNamespace),
            runnerImages,
            pgstreamImage,
            guards,
            awsPowers(),
            caBundle);
    operator = PgstreamOperator.create(client, settings, this::leadershipLost);
    http = httpPort > 0 ? new OperatorHttpServer(httpPort, operator, registry) : null;
    try {
      operator.start();
    } catch (OperatorException e) {
      spec.commandLine()
          .getErr()
          .printf(
              "error: the operator could not start against %s: is the API server reachable with this"
                  + " kubeconfig or service account, and is the CRD from crds/ installed? (%s)%n",
              client.getMasterUrl(),
              Errors.rootMessage(e));
      stop();
      return 1;
    }
    // SIGTERM: stop reconciling and let in-flight reconciles finish, then release the Lease and exit.
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "sigterm"));
    stopped.await();
    return lostLeadership.get() ? 1 : 0;
  }

  TenancyGuards guards() {
    try {
      return new TenancyGuards(
          requireSecretReferenceLabel, HostAllowList.of(allowedDatabaseHosts), ImageAllowList.of(allowedImagePrefixes));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--allowed-database-hosts: " + e.getMessage());
    }
  }

  AwsPowers awsPowers() {
    return AwsPowers.none()
        .grant(Power.MASTER_USER_SECRET, allowMasterSecret)
        .grant(Power.IAM_ADMIN, allowIamAdmin)
        .grant(Power.PARAMETER_GROUP_CHANGES, allowParameterGroupChanges)
        .grant(Power.REBOOT, allowReboot);
  }

  /**
   * A renewal of the Lease failed while running: exit 1 so Kubernetes restarts the pod as a candidate.
   * Not JOSDK's own exit on losing the lead: that calls System.exit from inside our SIGTERM hook when
   * the Lease is released, which blocks the JVM until it is killed.
   */
  private void leadershipLost() {
    if (!stopping.get()) {
      spec.commandLine().getErr().println("error: lost the leader-election Lease; exiting");
      lostLeadership.set(true);
      new Thread(this::stop, "lost-leadership").start(); // not on the elector's thread, which stop() ends
    }
  }

  private void stop() {
    if (stopping.compareAndSet(false, true)) {
      operator.stop();
      if (http != null) {
        http.close();
      }
      client.close();
    }
    stopped.countDown();
  }
}
