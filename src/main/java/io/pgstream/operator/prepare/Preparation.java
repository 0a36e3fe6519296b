package io.pgstream.operator.prepare;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What a preparation changed, and what it left alone on purpose (roles it does not manage). */
public final class Preparation {
  private final List<String> changes = new ArrayList<>();
  private final List<String> untouched = new ArrayList<>();

  /** Runs one statement (autocommitted unless the caller opened a transaction) and records it. */
  void run(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
    changes.add(sql);
  }

  void changed(String what) {
    changes.add(what);
  }

  void leftAlone(String why) {
    untouched.add(why);
  }

  public void add(Preparation other) {
    changes.addAll(other.changes);
    untouched.addAll(other.untouched);
  }

  public List<String> changes() {
    return Collections.unmodifiableList(changes);
  }

  public List<String> untouched() {
    return Collections.unmodifiableList(untouched);
  }
}
