package io.pgstream.operator.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.pgstream.operator.OperatorSettings;
import io.pgstream.operator.PgstreamOperator;
import io.pgstream.operator.support.FakePgstream;
import io.pgstream.operator.support.TestPostgres;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The databases one lane of sequences runs against, one sequence at a time: three source databases
 * (two on one server, one on another, so a source change can be a new database or a new server),
 * two targets per pipeline, and logins of its own, so lanes never see each other's slots or
 * rotations. Every table has a primary key and a row, as the preflight wants.
 */
final class ModelLane {
  static final int SOURCES = 3;
  final int id;
  private final TestPostgres primary;
  private final TestPostgres other;
  private final KubernetesClient client;
  private final OperatorSettings settings;
  private Operator operator;
  private int credentialsVersion;

  ModelLane(int id, TestPostgres primary, TestPostgres other, KubernetesClient client, OperatorSettings base) {
    this.id = id;
    this.primary = primary;
    this.other = other;
    this.client = client;
    this.settings = watching(base, namespaces());
  }

  /**
   * The lane's namespaces; sequences take turns in them, with pipelines named after the sequence,
   * and the second one's default slot name collides with the first's: l0/a-s7 and l0-a/s7 are both
   * pgstream_l0_a_s7.
   */
  List<String> namespaces() {
    return List.of("l" + id, "l" + id + "-a");
  }

  /** The lane's own operator, watching only the lane's namespaces, so a restart is the lane's alone. */
  void startOperator() {
    operator = PgstreamOperator.create(client, settings);
    operator.start();
  }

  void restartOperator() {
    stopOperator();
    startOperator();
  }

  void stopOperator() {
    operator.stop();
  }

  /** The base settings watching {@code namespaces}; copied component by component so that settings added later keep their values. */
  private static OperatorSettings watching(OperatorSettings base, List<String> namespaces) {
    try {
      RecordComponent[] components = OperatorSettings.class.getRecordComponents();
      Object[] values = new Object[components.length];
      Class<?>[] types = new Class<?>[components.length];
      for (int i = 0; i < components.length; i++) {
        types[i] = components[i].getType();
        values[i] = components[i].getName().equals("namespaces") ? Set.copyOf(namespaces) : components[i].getAccessor().invoke(base);
      }
      return OperatorSettings.class.getDeclaredConstructor(types).newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  void create() {
    for (TestPostgres pg : List.of(primary, other)) {
      pg.login(sourceLogin(), password(), "SUPERUSER");
    }
    primary.login(targetLogin(), password(), "");
    for (int s = 0; s < SOURCES; s++) {
      sourceServer(s)
          .database(
              sourceDb(s),
              "postgres",
              "CREATE TABLE public.orders (id int PRIMARY KEY, total bigint)",
              "CREATE TABLE public.items (id int PRIMARY KEY, sku text)",
              "INSERT INTO public.orders VALUES (1, 10)",
              "INSERT INTO public.items VALUES (1, 'a')");
    }
    for (int p = 0; p < 2; p++) {
      for (int t = 0; t < 2; t++) {
        primary.database(targetDb(p, t), targetLogin());
      }
    }
  }

  TestPostgres sourceServer(int source) {
    return source == 2 ? other : primary;
  }

  String sourceDb(int source) {
    return "m" + id + "_" + (char) ('a' + source);
  }

  TestPostgres targetServer() {
    return primary;
  }

  String targetDb(int pipeline, int target) {
    return "m" + id + "_t" + pipeline + (char) ('a' + target);
  }

  String sourceLogin() {
    return "m" + id + "_src";
  }

  String targetLogin() {
    return "m" + id + "_tgt";
  }

  /** The lane's current password (both logins share it); a rotation changes it. */
  String password() {
    return "Lane" + id + ":pw@" + credentialsVersion + "#";
  }

  /** A rotation as a DBA does it: the logins get a new password, which then goes into the Secrets. */
  void rotate() {
    credentialsVersion++;
    for (TestPostgres pg : List.of(primary, other)) {
      pg.execute("postgres", "ALTER ROLE " + sourceLogin() + " PASSWORD '" + password() + "'");
    }
    primary.execute("postgres", "ALTER ROLE " + targetLogin() + " PASSWORD '" + password() + "'");
  }

  /** The slots in the lane's source databases. */
  List<FakePgstream.SlotRef> slots() {
    List<FakePgstream.SlotRef> slots = new ArrayList<>();
    for (TestPostgres pg : List.of(primary, other)) {
      try (var c = pg.connect("postgres");
          var st = c.prepareStatement("SELECT database, slot_name FROM pg_replication_slots WHERE database LIKE ? ORDER BY 1, 2")) {
        st.setString(1, "m" + id + "\\_%");
        try (var rs = st.executeQuery()) {
          while (rs.next()) {
            slots.add(new FakePgstream.SlotRef(pg.port(), rs.getString(1), rs.getString(2)));
          }
        }
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    }
    return slots;
  }

  /** Between sequences: the slots the last one left (and reported) go, so the next starts clean. */
  void reset(FakePgstream pgstream) {
    for (FakePgstream.SlotRef s : slots()) {
      pgstream.drop(s);
    }
  }

  static Map<Integer, TestPostgres> servers(TestPostgres primary, TestPostgres other) {
    return Map.of(primary.port(), primary, other.port(), other);
  }
}
