package io.pgstream.operator.preflight;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The database hosts the operator may connect to ({@code --allowed-database-hosts}), so that a
 * pipeline cannot make the operator dial, and report on, whatever its network reaches.
 *
 * <p>An entry is a name ({@code db.internal}), a name pattern ({@code *.rds.amazonaws.com}: any name
 * ending in {@code .rds.amazonaws.com}) or a network ({@code 10.0.0.0/8}, {@code fd00::/8}; an address
 * alone is its own network). Entries are alternatives. Names and patterns match the host as written
 * in the pipeline, without resolving it. A host matched by no name is resolved and allowed only
 * when every address it resolves to lies in an allowed network, so a name pointing into a forbidden
 * network is refused. An empty list allows every host.
 */
public final class HostAllowList {
  public static final HostAllowList ANY = new HostAllowList(List.of(), List.of(), List.of());

  /** Resolves a host name to all its addresses; a seam for tests. */
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private record Network(byte[] prefix, int bits) {
    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != prefix.length) {
        return false;
      }
      int shift = a.length * 8 - bits;
      return new BigInteger(1, a).shiftRight(shift).equals(new BigInteger(1, prefix).shiftRight(shift));
    }
  }

  private final List<String> entries;
  private final List<String> names;
  private final List<Network> networks;
  private final Resolver resolver;

  private HostAllowList(List<String> entries, List<String> names, List<Network> networks) {
    this(entries, names, networks, InetAddress::getAllByName);
  }

  private HostAllowList(List<String> entries, List<String> names, List<Network> networks, Resolver resolver) {
    this.entries = entries;
    this.names = names;
    this.networks = networks;
    this.resolver = resolver;
  }

  /**
   * @param entries names, {@code *.}suffix patterns, addresses and CIDRs; blank entries are ignored
   * @throws IllegalArgumentException naming the entry that is none of these
   */
  public static HostAllowList of(List<String> entries) {
    List<String> kept = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<Network> networks = new ArrayList<>();
    for (String raw : entries) {
      String entry = raw.trim().toLowerCase(Locale.ROOT);
      if (entry.isEmpty()) {
        continue;
      }
      kept.add(entry);
      Optional<Network> network = network(entry);
      if (network.isPresent()) {
        networks.add(network.get());
      } else if (entry.matches("(\\*\\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
        names.add(entry);
      } else {
        throw new IllegalArgumentException(
            "allowed database host '" + raw + "' is neither a host name, a *.suffix pattern, an address nor a CIDR");
      }
    }
    return new HostAllowList(List.copyOf(kept), List.copyOf(names), List.copyOf(networks));
  }

  HostAllowList withResolver(Resolver other) {
    return new HostAllowList(entries, names, networks, other);
  }

  public boolean allowsAny() {
    return entries.isEmpty();
  }

  /** Why the operator may not connect to {@code host}; empty when it may. */
  public Optional<String> refusal(String host) {
    if (allowsAny()) {
      return Optional.empty();
    }
    String name = unbracketed(host).toLowerCase(Locale.ROOT);
    if (names.stream().anyMatch(pattern -> matches(pattern, name))) {
      return Optional.empty();
    }
    String refused = "host %s is not in the operator's allowed database hosts (%s)".formatted(host, String.join(", ", entries));
    if (networks.isEmpty()) {
      return Optional.of(refused);
    }
    Optional<InetAddress> literal;
    InetAddress[] addresses;
    try {
      literal = literal(name);
      addresses = literal.isPresent() ? new InetAddress[] {literal.get()} : resolver.resolve(name);
    } catch (UnknownHostException e) {
      return Optional.of(refused + "; it does not resolve, so its addresses cannot be checked");
    }
    for (InetAddress address : addresses) {
      if (networks.stream().noneMatch(n -> n.contains(address))) {
        // The address itself is not told: the operator's DNS view is not the tenant's to read.
        return Optional.of(literal.isPresent() ? refused : refused + "; it resolves to an address outside the allowed networks");
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return allowsAny() ? "any host" : String.join(", ", entries);
  }

  private static boolean matches(String pattern, String name) {
    return pattern.startsWith("*.") ? name.endsWith(pattern.substring(1)) : name.equals(pattern);
  }

  /** An address or CIDR, parsed without any DNS lookup; empty for anything else. */
  private static Optional<Network> network(String entry) {
    int slash = entry.indexOf('/');
    Optional<InetAddress> address;
    try {
      address = literal(unbracketed(slash < 0 ? entry : entry.substring(0, slash)));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("allowed database host '" + entry + "' is not a valid address", e);
    }
    if (address.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes = address.get().getAddress();
    int bits = bytes.length * 8;
    if (slash >= 0) {
      try {
        bits = Integer.parseInt(entry.substring(slash + 1));
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits < 0 || bits > bytes.length * 8) {
        throw new IllegalArgumentException("allowed database host '" + entry + "' has an invalid prefix length");
      }
    }
    return Optional.of(new Network(bytes, bits));
  }

  /** {@code host} as an address when it is an IPv4 or IPv6 literal; empty for a name. */
  private static Optional<InetAddress> literal(String host) throws UnknownHostException {
    boolean literal = host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || host.contains(":");
    // getByName parses a literal without asking DNS.
    return literal ? Optional.of(InetAddress.getByName(host)) : Optional.empty();
  }

  private static String unbracketed(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
