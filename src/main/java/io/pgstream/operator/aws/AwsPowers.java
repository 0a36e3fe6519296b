package io.pgstream.operator.aws;

import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.RebootPolicy;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which namespaces may make the operator use its AWS identity beyond reading: the platform team
 * grants each power per namespace (or "*" for all); none is granted by default, because the
 * operator's IAM role is shared by every namespace it watches.
 *
 * @param grants each power's namespaces; a power absent or with no namespace is off
 */
public record AwsPowers(Map<Power, Set<String>> grants) {
  /** Every namespace. */
  public static final String ALL = "*";

  /** A power, the operator flag that grants it and the chart value that sets the flag. */
  public enum Power {
    MASTER_USER_SECRET("spec.source.rds.masterUserSecret", "--allow-rds-master-secret", "aws.powers.masterUserSecret"),
    IAM_ADMIN("spec.source.rds.iamAuthentication", "--allow-rds-iam-admin", "aws.powers.iamAdmin"),
    PARAMETER_GROUP_CHANGES(
        "spec.source.rds.manageParameterGroup", "--allow-rds-parameter-group-changes", "aws.powers.parameterGroupChanges"),
    REBOOT("spec.source.rds.rebootPolicy: Immediate", "--allow-rds-reboot", "aws.powers.reboot");

    private final String field;
    private final String flag;
    private final String chartValue;

    Power(String field, String flag, String chartValue) {
      this.field = field;
      this.flag = flag;
      this.chartValue = chartValue;
    }

    public String field() {
      return field;
    }

    public String flag() {
      return flag;
    }

    public String chartValue() {
      return chartValue;
    }

    /**
     * The powers a spec asks for: every field that, when set, makes the operator use one. A set
     * masterUserSecret or iamAuthentication asks even without spec.prepare.source, whose admin alone
     * uses the login ({@link io.pgstream.operator.api.PgstreamPipelineSpec#adminFromAws}): a tenant
     * learns the power is missing before adding preparation.
     */
    public static Set<Power> requestedBy(RdsSpec spec) {
      Set<Power> asked = EnumSet.noneOf(Power.class);
      if (Boolean.TRUE.equals(spec.masterUserSecret)) {
        asked.add(MASTER_USER_SECRET);
      }
      if (Boolean.TRUE.equals(spec.iamAuthentication)) {
        asked.add(IAM_ADMIN);
      }
      if (Boolean.TRUE.equals(spec.manageParameterGroup)) {
        asked.add(PARAMETER_GROUP_CHANGES);
      }
      if (spec.rebootPolicy == RebootPolicy.Immediate) {
        asked.add(REBOOT);
      }
      return asked;
    }
  }

  public AwsPowers {
    Map<Power, Set<String>> copy = new EnumMap<>(Power.class);
    grants.forEach((power, namespaces) -> copy.put(power, cleaned(namespaces)));
    grants = Map.copyOf(copy);
  }

  public static AwsPowers none() {
    return new AwsPowers(Map.of());
  }

  /** These grants, with {@code power} granted to exactly {@code namespaces}. */
  public AwsPowers grant(Power power, Collection<String> namespaces) {
    Map<Power, Set<String>> changed = new EnumMap<>(Power.class);
    changed.putAll(grants);
    changed.put(power, Set.copyOf(namespaces));
    return new AwsPowers(changed);
  }

  public boolean allows(Power power, String namespace) {
    Set<String> namespaces = grants.getOrDefault(power, Set.of());
    return namespaces.contains(ALL) || namespaces.contains(namespace);
  }

  /** Flag values arrive as "a,b", "*", "" or with blanks around commas. */
  private static Set<String> cleaned(Collection<String> namespaces) {
    return namespaces.stream().map(String::trim).filter(n -> !n.isEmpty()).collect(Collectors.toUnmodifiableSet());
  }
}
