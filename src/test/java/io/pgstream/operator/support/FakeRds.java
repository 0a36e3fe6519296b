package io.pgstream.operator.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback stand-in for the RDS Query API (XML) and Secrets Manager (JSON 1.1), enough for the
 * real AWS SDK v2 clients: instances, Aurora clusters, parameter groups with their apply state, and
 * injected errors. Every request's Action is recorded, so tests can prove which calls were made.
 */
public final class FakeRds implements AutoCloseable {
  static final String NS = "http://rds.amazonaws.com/doc/2014-10-31/";

  /** An RDS instance; {@code applyStatus} is its parameter group's ParameterApplyStatus. */
  public static final class Instance {
    public String id;
    public String group;
    public String applyStatus = "in-sync";
    public String status = "available";
    public String cluster;
    public String masterSecretArn;
    public String address;
    public int port = 5432;
    public final Map<String, String> tags = new LinkedHashMap<>();
  }

  public static final class Cluster {
    public String id;
    public String group;
    public String writer;
    public String writerGroupStatus = "in-sync";
    public String masterSecretArn;
    public String endpoint;
    public int port = 5432;
    public final Map<String, String> tags = new LinkedHashMap<>();
  }

  public final Map<String, Instance> instances = new LinkedHashMap<>();
  public final Map<String, Cluster> clusters = new LinkedHashMap<>();
  /** Parameter group name to its rds.logical_replication value (null when unset). */
  public final Map<String, String> groups = new HashMap<>();
  /** Parameter group name to its tags (set by a copy with tags, or by a test). */
  public final Map<String, Map<String, String>> groupTags = new HashMap<>();
  public final Map<String, String> secrets = new HashMap<>();
  public final List<String> actions = new CopyOnWriteArrayList<>();
  /** Action to an injected error: {HTTP status, code} or {HTTP status, code, message}. */
  public final Map<String, String[]> failures = new HashMap<>();

  private final HttpServer server;

  public FakeRds() {
    // The SDK's default credentials chain reads these first; no network or profile is involved.
    System.setProperty("aws.accessKeyId", "AKIDTEST");
    System.setProperty("aws.secretAccessKey", "test-secret");
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.start();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public Instance instance(String id, String group, String value) {
    Instance i = new Instance();
    i.id = id;
    i.group = group;
    i.address = id + ".abc.eu-west-1.rds.amazonaws.com";
    instances.put(id, i);
    groups.put(group, value);
    return i;
  }

  public Cluster cluster(String id, String group, String value) {
    Cluster c = new Cluster();
    c.id = id;
    c.group = group;
    c.writer = id + "-instance-1";
    c.endpoint = id + ".cluster-abc.eu-west-1.rds.amazonaws.com";
    clusters.put(id, c);
    groups.put(group, value);
    Instance writer = instance(c.writer, "default.aurora-postgresql16", null);
    writer.cluster = id;
    return c;
  }

  public List<String> modifyingActions() {
    return actions.stream()
        .filter(a -> !a.startsWith("Describe") && !a.equals("GetSecretValue") && !a.equals("ListTagsForResource"))
        .toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
    if (target != null && target.endsWith("GetSecretValue")) {
      actions.add("GetSecretValue");
      String arn = body.replaceAll(".*\"SecretId\"\\s*:\\s*\"([^\"]+)\".*", "$1");
      String value = secrets.get(arn);
      if (value == null) {
        send(ex, 400, "application/x-amz-json-1.1", "{\"__type\":\"ResourceNotFoundException\",\"message\":\"no such secret\"}");
      } else {
        String escaped = value.replace("\\", "\\\\").replace("\"", "\\\"");
        send(ex, 200, "application/x-amz-json-1.1", "{\"ARN\":\"" + arn + "\",\"Name\":\"rds!db\",\"SecretString\":\"" + escaped + "\"}");
      }
      return;
    }
    Map<String, String> form = form(body);
    String action = form.get("Action");
    actions.add(action);
    String[] failure = failures.get(action);
    if (failure != null) {
      error(ex, Integer.parseInt(failure[0]), failure[1], failure.length > 2 ? failure[2] : "injected " + failure[1]);
      return;
    }
    synchronized (this) {
      respond(ex, action, form);
    }
  }

  private void respond(HttpExchange ex, String action, Map<String, String> f) throws IOException {
    switch (action) {
      case "DescribeDBInstances" -> {
        Instance i = instances.get(f.get("DBInstanceIdentifier"));
        if (i == null) {
          error(ex, 404, "DBInstanceNotFound", "DBInstance " + f.get("DBInstanceIdentifier") + " not found.");
          return;
        }
        ok(ex, action, "<DBInstances><DBInstance>" + instanceXml(i) + "</DBInstance></DBInstances>");
      }
      case "DescribeDBClusters" -> {
        Cluster c = clusters.get(f.get("DBClusterIdentifier"));
        if (c == null) {
          error(ex, 404, "DBClusterNotFoundFault", "DBCluster " + f.get("DBClusterIdentifier") + " not found.");
          return;
        }
        ok(ex, action, "<DBClusters><DBCluster>" + clusterXml(c) + "</DBCluster></DBClusters>");
      }
      case "DescribeDBParameters", "DescribeDBClusterParameters" -> {
        String group = f.getOrDefault("DBParameterGroupName", f.get("DBClusterParameterGroupName"));
        if (!groups.containsKey(group)) {
          error(ex, 404, "DBParameterGroupNotFound", "group " + group + " not found");
          return;
        }
        String value = groups.get(group);
        ok(
            ex,
            action,
            "<Parameters><Parameter><ParameterName>max_connections</ParameterName><ParameterValue>100</ParameterValue>"
                + "<ApplyType>static</ApplyType><ApplyMethod>pending-reboot</ApplyMethod></Parameter>"
                + "<Parameter><ParameterName>rds.logical_replication</ParameterName>"
                + (value == null ? "" : "<ParameterValue>" + value + "</ParameterValue>")
                + "<ApplyType>static</ApplyType><ApplyMethod>pending-reboot</ApplyMethod></Parameter></Parameters>");
      }
      case "DescribeDBParameterGroups", "DescribeDBClusterParameterGroups" -> {
        String group = f.getOrDefault("DBParameterGroupName", f.get("DBClusterParameterGroupName"));
        if (!groups.containsKey(group)) {
          error(ex, 404, "DBParameterGroupNotFound", "group " + group + " not found");
          return;
        }
        String kind = action.equals("DescribeDBParameterGroups") ? "DBParameterGroup" : "DBClusterParameterGroup";
        ok(ex, action, "<" + kind + "s><" + kind + "><" + kind + "Name>" + group + "</" + kind + "Name><" + kind + "Arn>"
            + groupArn(group) + "</" + kind + "Arn></" + kind + "></" + kind + "s>");
      }
      case "ListTagsForResource" -> {
        String arn = f.get("ResourceName");
        String group = arn.substring(arn.lastIndexOf(':') + 1);
        ok(ex, action, tagsXml(groupTags.getOrDefault(group, Map.of())));
      }
      case "CopyDBParameterGroup", "CopyDBClusterParameterGroup" -> {
        String from = f.getOrDefault("SourceDBParameterGroupIdentifier", f.get("SourceDBClusterParameterGroupIdentifier"));
        String to = f.getOrDefault("TargetDBParameterGroupIdentifier", f.get("TargetDBClusterParameterGroupIdentifier"));
        groups.put(to, groups.get(from));
        Map<String, String> tags = new LinkedHashMap<>();
        for (int n = 1; f.containsKey("Tags.Tag." + n + ".Key"); n++) {
          tags.put(f.get("Tags.Tag." + n + ".Key"), f.get("Tags.Tag." + n + ".Value"));
        }
        groupTags.put(to, tags);
        ok(ex, action, "");
      }
      case "ModifyDBParameterGroup", "ModifyDBClusterParameterGroup" -> {
        String group = f.getOrDefault("DBParameterGroupName", f.get("DBClusterParameterGroupName"));
        groups.put(group, f.get("Parameters.Parameter.1.ParameterValue"));
        instances.values().stream().filter(i -> group.equals(i.group)).forEach(i -> i.applyStatus = "pending-reboot");
        clusters.values().stream().filter(c -> group.equals(c.group)).forEach(c -> c.writerGroupStatus = "pending-reboot");
        ok(ex, action, "");
      }
      case "ModifyDBInstance" -> {
        Instance i = instances.get(f.get("DBInstanceIdentifier"));
        i.group = f.get("DBParameterGroupName");
        i.applyStatus = "pending-reboot";
        ok(ex, action, "<DBInstance>" + instanceXml(i) + "</DBInstance>");
      }
      case "ModifyDBCluster" -> {
        Cluster c = clusters.get(f.get("DBClusterIdentifier"));
        c.group = f.get("DBClusterParameterGroupName");
        c.writerGroupStatus = "pending-reboot";
        ok(ex, action, "<DBCluster>" + clusterXml(c) + "</DBCluster>");
      }
      case "RebootDBInstance" -> {
        Instance i = instances.get(f.get("DBInstanceIdentifier"));
        i.applyStatus = "in-sync";
        if (i.cluster != null) {
          clusters.get(i.cluster).writerGroupStatus = "in-sync";
        }
        ok(ex, action, "<DBInstance>" + instanceXml(i) + "</DBInstance>");
      }
      default -> error(ex, 400, "InvalidAction", "not emulated: " + action);
    }
  }

  private static String instanceXml(Instance i) {
    return "<DBInstanceIdentifier>" + i.id + "</DBInstanceIdentifier><Engine>" + (i.cluster == null ? "postgres" : "aurora-postgresql")
        + "</Engine><EngineVersion>16.4</EngineVersion><DBInstanceStatus>" + i.status + "</DBInstanceStatus>"
        + "<Endpoint><Address>" + i.address + "</Address><Port>" + i.port + "</Port></Endpoint>"
        + "<DBParameterGroups><DBParameterGroup><DBParameterGroupName>" + i.group + "</DBParameterGroupName>"
        + "<ParameterApplyStatus>" + i.applyStatus + "</ParameterApplyStatus></DBParameterGroup></DBParameterGroups>"
        + (i.cluster == null ? "" : "<DBClusterIdentifier>" + i.cluster + "</DBClusterIdentifier>")
        + (i.masterSecretArn == null ? "" : "<MasterUserSecret><SecretArn>" + i.masterSecretArn + "</SecretArn><SecretStatus>active</SecretStatus></MasterUserSecret>")
        + tagsXml(i.tags);
  }

  private static String clusterXml(Cluster c) {
    return "<DBClusterIdentifier>" + c.id + "</DBClusterIdentifier><Engine>aurora-postgresql</Engine><EngineVersion>16.4</EngineVersion>"
        + "<Status>available</Status><Endpoint>" + c.endpoint + "</Endpoint>"
        + "<ReaderEndpoint>" + c.id + ".cluster-ro-abc.eu-west-1.rds.amazonaws.com</ReaderEndpoint><Port>" + c.port + "</Port>"
        + "<DBClusterParameterGroup>" + c.group + "</DBClusterParameterGroup>"
        + "<DBClusterMembers><DBClusterMember><DBInstanceIdentifier>" + c.writer + "</DBInstanceIdentifier>"
        + "<IsClusterWriter>true</IsClusterWriter><DBClusterParameterGroupStatus>" + c.writerGroupStatus
        + "</DBClusterParameterGroupStatus></DBClusterMember></DBClusterMembers>"
        + (c.masterSecretArn == null ? "" : "<MasterUserSecret><SecretArn>" + c.masterSecretArn + "</SecretArn></MasterUserSecret>")
        + tagsXml(c.tags);
  }

  private static String groupArn(String group) {
    return "arn:aws:rds:eu-west-1:111122223333:pg:" + group;
  }

  private static String tagsXml(Map<String, String> tags) {
    StringBuilder xml = new StringBuilder("<TagList>");
    tags.forEach((key, value) -> xml.append("<Tag><Key>").append(key).append("</Key><Value>").append(value).append("</Value></Tag>"));
    return xml.append("</TagList>").toString();
  }

  private static void ok(HttpExchange ex, String action, String result) throws IOException {
    send(
        ex,
        200,
        "text/xml",
        "<" + action + "Response xmlns=\"" + NS + "\"><" + action + "Result>" + result + "</" + action + "Result>"
            + "<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000001</RequestId></ResponseMetadata></" + action + "Response>");
  }

  private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
    send(
        ex,
        status,
        "text/xml",
        "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message
            + "</Message></Error><RequestId>00000000-0000-0000-0000-000000000002</RequestId></ErrorResponse>");
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
