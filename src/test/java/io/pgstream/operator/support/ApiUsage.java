package io.pgstream.operator.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The Kubernetes API calls the operator makes, as RBAC permissions, collected from the mock API
 * server's request log (the operator's client has its own User-Agent), to compare with the role the
 * chart grants.
 */
public final class ApiUsage {
  public static final String OPERATOR_USER_AGENT = "pgstream-operator-under-test";

  /** One RBAC permission: API group ("" for core), resource (with /subresource), verb. */
  public record Permission(String group, String resource, String verb) implements Comparable<Permission> {
    @Override
    public int compareTo(Permission o) {
      return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
      return (group.isEmpty() ? "core" : group) + "/" + resource + ":" + verb;
    }
  }

  private static final Set<Permission> USED = new ConcurrentSkipListSet<>();

  private ApiUsage() {}

  public static void record(List<RecordedRequest> requests) {
    for (RecordedRequest r : requests) {
      String agent = r.getHeader("User-Agent");
      if (agent != null && agent.startsWith(OPERATOR_USER_AGENT)) {
        Permission p = permission(r.getMethod(), r.getPath());
        if (p != null) {
          USED.add(p);
        }
      }
    }
  }

  public static Set<Permission> used() {
    return new TreeSet<>(USED);
  }

  /** /api/v1/[namespaces/ns/]res[/name[/sub]] or /apis/group/version/[namespaces/ns/]res[/name[/sub]]. */
  static Permission permission(String method, String pathAndQuery) {
    String path = pathAndQuery.split("\\?")[0];
    boolean watch = pathAndQuery.contains("watch=true");
    String[] parts = path.replaceFirst("^/", "").split("/");
    int i;
    String group;
    if (parts[0].equals("api") && parts.length > 2) {
      group = "";
      i = 2;
    } else if (parts[0].equals("apis") && parts.length > 3) {
      group = parts[1];
      i = 3;
    } else {
      return null; // discovery
    }
    if (parts.length > i + 1 && parts[i].equals("namespaces")) {
      i += 2;
    }
    if (parts.length <= i) {
      return null;
    }
    String resource = parts[i];
    boolean named = parts.length > i + 1;
    if (parts.length > i + 2) {
      resource += "/" + parts[i + 2];
    }
    String verb =
        switch (method) {
          case "GET" -> watch ? "watch" : named ? "get" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> method.toLowerCase();
        };
    return new Permission(group, resource, verb);
  }

  /** Every permission the ClusterRoles and Roles of a manifest file grant. */
  public static Set<Permission> granted(Path manifests) throws IOException {
    Set<Permission> out = new TreeSet<>();
    try (InputStream in = Files.newInputStream(manifests)) {
      List<HasMetadata> items = Serialization.unmarshal(in);
      for (HasMetadata item : items) {
        List<PolicyRule> rules =
            item instanceof ClusterRole cr ? cr.getRules() : item instanceof Role role ? role.getRules() : List.of();
        for (PolicyRule rule : rules) {
          for (String g : rule.getApiGroups()) {
            for (String res : rule.getResources()) {
              for (String verb : rule.getVerbs()) {
                out.add(new Permission(g, res, verb));
              }
            }
          }
        }
      }
    }
    return out;
  }
}
