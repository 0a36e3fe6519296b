package io.pgstream.operator.preflight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostAllowListTest {
  /** Resolves only the names given, as a DNS the test controls would. */
  private static HostAllowList.Resolver dns(Map<String, String> names) {
    return host -> {
      String address = names.get(host);
      if (address == null) {
        throw new UnknownHostException(host);
      }
      return new InetAddress[] {InetAddress.getByName(address)};
    };
  }

  @Test
  void anEmptyListAllowsEveryHost() {
    assertThat(HostAllowList.of(List.of()).refusal("anything.example.org")).isEmpty();
    assertThat(HostAllowList.of(List.of(" ", "")).allowsAny()).isTrue();
  }

  @Test
  void namesAndSuffixPatternsMatchTheHostAsWritten() {
    HostAllowList list = HostAllowList.of(List.of("*.rds.amazonaws.com", "db.internal"))
        .withResolver(host -> { throw new AssertionError("names are not resolved: " + host); });

    assertThat(list.refusal("orders.abc123.eu-west-1.rds.amazonaws.com")).isEmpty();
    assertThat(list.refusal("DB.Internal")).isEmpty();
    assertThat(list.refusal("rds.amazonaws.com")).as("the suffix needs a label before it").isPresent();
    assertThat(list.refusal("evilrds.amazonaws.com")).isPresent();
    assertThat(list.refusal("db.internal.evil.org")).isPresent();
    assertThat(list.refusal("10.0.0.5"))
        .hasValueSatisfying(m -> assertThat(m).isEqualTo(
            "host 10.0.0.5 is not in the operator's allowed database hosts (*.rds.amazonaws.com, db.internal)"));
  }

  @Test
  void networksAdmitAHostOnlyWhenEveryAddressItResolvesToLiesInOne() {
    HostAllowList list = HostAllowList.of(List.of("10.0.0.0/8", "fd00::/8", "192.168.1.7"))
        .withResolver(dns(Map.of("inside.example", "10.1.2.3", "metadata.example", "169.254.169.254")));

    assertThat(list.refusal("10.200.0.1")).isEmpty();
    assertThat(list.refusal("[fd12::1]")).isEmpty();
    assertThat(list.refusal("192.168.1.7")).isEmpty();
    assertThat(list.refusal("192.168.1.8")).isPresent();
    assertThat(list.refusal("11.0.0.1")).isPresent();
    assertThat(list.refusal("fe80::1")).isPresent();
    assertThat(list.refusal("inside.example")).isEmpty();
    assertThat(list.refusal("metadata.example"))
        .hasValueSatisfying(m -> assertThat(m).endsWith("; it resolves to an address outside the allowed networks").doesNotContain("169.254"));
    assertThat(list.refusal("nowhere.example"))
        .hasValueSatisfying(m -> assertThat(m).endsWith("; it does not resolve, so its addresses cannot be checked"));
  }

  @Test
  void aNameResolvingToSeveralAddressesIsRefusedWhenOneIsOutside() {
    HostAllowList list = HostAllowList.of(List.of("10.0.0.0/8"))
        .withResolver(host -> new InetAddress[] {InetAddress.getByName("10.0.0.1"), InetAddress.getByName("172.16.0.1")});

    assertThat(list.refusal("two.example")).hasValueSatisfying(m -> assertThat(m).endsWith("it resolves to an address outside the allowed networks"));
  }

  @Test
  void refusesEntriesThatAreNeitherNamesNorNetworks() {
    assertThatThrownBy(() -> HostAllowList.of(List.of("10.0.0.0/33"))).hasMessageContaining("'10.0.0.0/33'");
    assertThatThrownBy(() -> HostAllowList.of(List.of("*"))).hasMessageContaining("'*'");
    assertThatThrownBy(() -> HostAllowList.of(List.of("db.*.internal"))).hasMessageContaining("'db.*.internal'");
    assertThatThrownBy(() -> HostAllowList.of(List.of("fd00::/x"))).hasMessageContaining("invalid prefix length");
  }
}
