package io.pgstream.operator.lifecycle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a change of spec.tables / spec.excludedTables means for a target that holds the {@code
 * covered} selection (what a snapshot or backfill copied and streaming kept current since). Compared
 * as patterns, never against the database: a table created later under a covered pattern such as
 * {@code public.*} arrives through pgstream's DDL replication and is no addition, and a pipeline
 * without a source connection (preflight Skip) is judged the same way.
 *
 * <p>Pattern coverage is decided syntactically (a glob covers another when its regex matches the
 * other's text, a {@code *} there only matched by a {@code *} here). That is sufficient, not always
 * necessary: a rare overlap it cannot prove counts as an addition, so the error is a backfill too
 * many, never a table silently missing.
 *
 * @param heldOut include patterns of the spec no covered pattern covers: held out of streaming until backfilled
 * @param unExcluded names the covered selection excluded that the spec now selects
 * @param removed covered include patterns the spec no longer covers, and names the spec now excludes
 */
public record TableSelectionChange(List<String> heldOut, List<String> unExcluded, List<String> removed) {

  /** spec.tables (schema.table, wildcards allowed) minus spec.excludedTables (concrete names). */
  public record Selection(List<String> tables, List<String> excluded) {
    public Selection {
      tables = tables == null ? List.of() : List.copyOf(tables);
      excluded = excluded == null ? List.of() : List.copyOf(excluded);
    }

    /** Whether this selection selects the concrete table {@code name}. */
    public boolean selects(String name) {
      return coveredBy(tables, name) && !containsName(excluded, name);
    }

    /** The tables either selection selects: exact, since exclusions are concrete names. */
    public Selection union(Selection other) {
      List<String> in = distinct(tables, other.tables);
      List<String> out = new ArrayList<>();
      for (String x : excluded) {
        if (containsName(other.excluded, x) || !coveredBy(other.tables, x)) {
          out.add(x);
        }
      }
      for (String x : other.excluded) {
        if (!coveredBy(tables, x) && !containsName(out, x)) {
          out.add(x);
        }
      }
      return new Selection(in, out);
    }

    /** The tables both select, as far as patterns can say (an overlap they cannot express is left out). */
    public Selection intersection(Selection other) {
      List<String> in = new ArrayList<>();
      for (String p : other.tables) {
        if (coveredBy(tables, p)) {
          in.add(p);
        }
      }
      for (String q : tables) {
        if (coveredBy(other.tables, q)) {
          in.add(q);
        }
      }
      return new Selection(distinct(in, List.of()), distinct(excluded, other.excluded));
    }
  }

  public static TableSelectionChange between(Selection covered, Selection wanted) {
    List<String> heldOut = wanted.tables.stream().filter(p -> !coveredBy(covered.tables, p)).toList();
    List<String> unExcluded =
        covered.excluded.stream().filter(x -> !containsName(wanted.excluded, x) && wanted.selects(x)).toList();
    List<String> removed = new ArrayList<>(covered.tables.stream().filter(q -> !coveredBy(wanted.tables, q)).toList());
    wanted.excluded.stream().filter(covered::selects).forEach(removed::add);
    return new TableSelectionChange(heldOut, unExcluded, List.copyOf(removed));
  }

  /** Everything the spec selects and the target was never given, as the SnapshotStale message names it. */
  public List<String> added() {
    return distinct(heldOut, unExcluded);
  }

  public Set<ChangeKind> kinds() {
    Set<ChangeKind> kinds = EnumSet.noneOf(ChangeKind.class);
    if (!added().isEmpty()) {
      kinds.add(ChangeKind.TABLES_ADDED);
    }
    if (!removed.isEmpty()) {
      kinds.add(ChangeKind.TABLES_REMOVED);
    }
    return kinds;
  }

  /**
   * What a backfill copies: the added patterns and names, less what the spec excludes and the
   * covered concrete tables an added wildcard would copy again.
   */
  public Selection backfill(Selection covered, Selection wanted) {
    List<String> tables = added();
    List<String> excluded = new ArrayList<>();
    for (String x : wanted.excluded) {
      if (coveredBy(tables, x)) {
        excluded.add(x);
      }
    }
    for (String q : covered.tables) {
      if (!q.contains("*") && coveredBy(heldOut, q) && !containsName(excluded, q)) {
        excluded.add(q);
      }
    }
    return new Selection(tables, excluded);
  }

  /**
   * The include patterns replication streams while {@link #heldOut} waits for a backfill: the
   * spec's, less the held-out ones, plus the covered ones a held-out wildcard would have carried.
   */
  public static List<String> streamed(List<String> specTables, List<String> heldOut, List<String> coveredTables) {
    List<String> kept = specTables.stream().filter(p -> !heldOut.contains(p)).toList();
    List<String> carried = coveredTables.stream().filter(q -> coveredBy(heldOut, q) && !kept.contains(q)).toList();
    return distinct(kept, carried);
  }

  private static boolean coveredBy(List<String> patterns, String pattern) {
    return patterns.stream().anyMatch(q -> covers(q, pattern));
  }

  /** Whether glob {@code q} covers every table glob {@code p} can match; per part, bare names meaning public. */
  static boolean covers(String q, String p) {
    String[] outer = parts(q);
    String[] inner = parts(p);
    return glob(outer[0]).matcher(inner[0]).matches() && glob(outer[1]).matcher(inner[1]).matches();
  }

  private static boolean containsName(List<String> names, String name) {
    String[] wanted = parts(name);
    return names.stream().map(TableSelectionChange::parts).anyMatch(n -> n[0].equals(wanted[0]) && n[1].equals(wanted[1]));
  }

  private static String[] parts(String name) {
    int dot = name.indexOf('.');
    return dot < 0 ? new String[] {"public", name} : new String[] {name.substring(0, dot), name.substring(dot + 1)};
  }

  private static Pattern glob(String glob) {
    return Pattern.compile(String.join(".*", Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).toList()));
  }

  private static List<String> distinct(List<String> a, List<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }
}
