package io.pgstream.operator.aws;

import java.util.Arrays;
import java.util.Locale;

/**
 * What one DescribeDBInstances or DescribeDBClusters call says about the source: who may use it,
 * where it listens, and its parameter group.
 *
 * @param writerEndpoint the instance's address, or the Aurora cluster's (writer) endpoint
 * @param writerInstance the instance to reboot: the instance itself, or the Aurora cluster's writer
 * @param parameterGroup the DB parameter group (instance) or DB cluster parameter group (Aurora)
 * @param pendingReboot the group's values wait for a reboot of the writer
 * @param masterSecretArn the RDS-managed master user secret; null when there is none
 * @param namespacesTag the value of the {@link #NAMESPACES_TAG} tag; null when untagged or {@link #unseen}
 */
public record RdsResource(
    boolean cluster,
    String identifier,
    String engine,
    String engineVersion,
    String writerEndpoint,
    String readerEndpoint,
    int port,
    String writerInstance,
    String parameterGroup,
    boolean pendingReboot,
    String masterSecretArn,
    String namespacesTag) {

  /**
   * The tag on the instance (or Aurora cluster) that lists, separated by spaces, the namespaces whose
   * pipelines may use it. RDS tag values allow no commas and at most 256 characters.
   */
  public static final String NAMESPACES_TAG = "pgstream.io/namespaces";

  /**
   * A resource the operator could not describe (it does not exist, or IAM denies it by name): nothing
   * is known about it, and no namespace may use it.
   */
  public static RdsResource unseen(boolean cluster, String identifier) {
    return new RdsResource(cluster, identifier, null, null, null, null, 0, null, null, false, null, null);
  }

  public boolean allowsNamespace(String namespace) {
    return namespacesTag != null && Arrays.asList(namespacesTag.trim().split("\\s+")).contains(namespace);
  }

  /** Host names compare without case and without a final dot; ports exactly. */
  public boolean listensAt(String host, int port) {
    return writerEndpoint != null && this.port == port && canonical(writerEndpoint).equals(canonical(host));
  }

  public boolean isReaderEndpoint(String host) {
    return readerEndpoint != null && canonical(readerEndpoint).equals(canonical(host));
  }

  public String kind() {
    return cluster ? "DB cluster" : "DB instance";
  }

  public String groupKind() {
    return cluster ? "DB cluster parameter group" : "DB parameter group";
  }

  public boolean defaultGroup() {
    return parameterGroup != null && parameterGroup.startsWith("default.");
  }

  private static String canonical(String host) {
    String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }
}
