package io.pgstream.operator.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/** A logical replication consumer holding a slot (active_pid), as postgres, with an application_name. */
public final class SlotConsumer implements AutoCloseable {
  private final Connection connection;
  private final PGReplicationStream stream;

  public SlotConsumer(TestPostgres pg, String database, String slot, String applicationName) throws SQLException {
    Properties props = new Properties();
    PGProperty.USER.set(props, "postgres");
    PGProperty.REPLICATION.set(props, "database");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
    PGProperty.PREFER_QUERY_MODE.set(props, "simple");
    PGProperty.APPLICATION_NAME.set(props, applicationName);
    connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + database, props);
    stream = connection.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical().withSlotName(slot).start();
  }

  /** Reads what the slot has sent so far and confirms it, as pgstream does once written: the slot's lag shrinks. */
  public int confirmReceived() throws SQLException {
    int read = 0;
    while (stream.readPending() != null) {
      read++;
    }
    stream.setAppliedLSN(stream.getLastReceiveLSN());
    stream.setFlushedLSN(stream.getLastReceiveLSN());
    stream.forceUpdateStatus();
    return read;
  }

  @Override
  public void close() throws SQLException {
    stream.close();
    connection.close();
  }
}
