package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.SourceSpec;
import io.pgstream.operator.aws.AwsPowers;
import io.pgstream.operator.aws.AwsPowers.Power;
import io.pgstream.operator.aws.RdsResource;
import java.util.List;

/**
 * Whether a pipeline may use the operator's AWS identity for its spec.source.rds: the powers it asks
 * for are granted to its namespace (checked before any AWS call), the described instance or cluster
 * names the namespace in its tag, and the pipeline connects to the endpoint described (so facts and
 * AWS-sourced credentials serve only that endpoint).
 */
final class RdsAccess {
  static final String POWER_NOT_GRANTED = "RdsPowerNotGranted";
  static final String ACCESS_DENIED = "RdsAccessDenied";
  static final String ENDPOINT_MISMATCH = "RdsEndpointMismatch";

  private final AwsPowers powers;

  RdsAccess(AwsPowers powers) {
    this.powers = powers;
  }

  /** Null when every power the spec asks for is granted to the pipeline's namespace. */
  Blocker powersRefused(PgstreamPipeline p) {
    String namespace = p.getMetadata().getNamespace();
    List<Power> refused =
        Power.requestedBy(p.getSpec().source.rds).stream().filter(power -> !powers.allows(power, namespace)).toList();
    if (refused.isEmpty()) {
      return null;
    }
    List<String> fixes =
        refused.stream()
            .map(power -> "%s needs the operator flag %s=%s (chart value %s: [\"%s\"])"
                .formatted(power.field(), power.flag(), namespace, power.chartValue(), namespace))
            .toList();
    return new Blocker(
        POWER_NOT_GRANTED,
        "The operator's AWS powers are off for namespace %s: %s. Ask the platform team to grant them, or remove the field."
            .formatted(namespace, String.join("; ", fixes)));
  }

  /** Null when the described resource lets the pipeline's namespace use it at the pipeline's host. */
  Blocker resourceRefused(PgstreamPipeline p, RdsResource r) {
    String namespace = p.getMetadata().getNamespace();
    if (!r.allowsNamespace(namespace)) {
      return new Blocker(ACCESS_DENIED, denial(p.getSpec().source.rds, namespace));
    }
    SourceSpec source = p.getSpec().source;
    if (r.isReaderEndpoint(source.host)) {
      return new Blocker(
          "ReaderEndpoint",
          "spec.source.host is the reader endpoint of " + r.identifier() + "; use the writer (cluster) endpoint "
              + r.writerEndpoint() + ".");
    }
    if (!r.listensAt(source.host, source.effectivePort())) {
      return new Blocker(
          ENDPOINT_MISMATCH,
          ("spec.source.host and port are %s:%d, but the RDS API describes %s at %s:%d. The operator uses facts and"
                  + " credentials from AWS only for that endpoint: set spec.source.host and port to it.")
              .formatted(source.host, source.effectivePort(), r.kind() + " " + r.identifier(), r.writerEndpoint(), r.port()));
    }
    return null;
  }

  /**
   * One answer, from the spec alone, whether the resource is missing, denied to the operator by IAM,
   * or not tagged for the namespace: anything more would tell the namespace which resources exist,
   * or name an Aurora member's cluster.
   */
  private static String denial(RdsSpec rds, String namespace) {
    String resource = (rds.targetsCluster() ? "DB cluster " : "DB instance ") + rds.identifier();
    return ("RDS %s in region %s does not exist, the operator may not describe it, or its tag %s does not name"
            + " namespace %s. The database's owner adds %s to that tag%s, namespaces separated by spaces, at most"
            + " 256 characters: aws rds add-tags-to-resource --region %s --resource-name <its ARN> --tags"
            + " 'Key=%s,Value=<namespaces already there> %s'.")
        .formatted(resource, rds.region, RdsResource.NAMESPACES_TAG, namespace, namespace,
            rds.targetsCluster() ? "" : " (on its DB cluster if it is an Aurora member)", rds.region,
            RdsResource.NAMESPACES_TAG, namespace);
  }
}
