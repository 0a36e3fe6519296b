package io.pgstream.operator.verify;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.VerificationSpec;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.TableSelection;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares a pipeline's target with its source, table by table: row counts and an order-independent
 * checksum of the columns both sides have, read in key ranges as the pipeline's own logins, with
 * plain SELECTs in read-only transactions.
 *
 * <p>In-flight changes: all selected tables are read on the source first; then the verifier waits
 * until pgstream has confirmed, on the pipeline's slot, the source WAL position taken after those
 * reads, so the target holds at least what the source reads saw; then it reads the target. Ranges that
 * differ are compared again (source, wait, target) up to {@link #RETRIES} times before they are
 * reported. A snapshot-only pipeline has no slot: its target is compared as it is, without retries.
 * Columns the transformation rules change are not compared, and each table's detail names them.
 */
public class Verifier {
  public static final int RETRIES = 3;
  public static final Duration DEFAULT_SLOT_WAIT = Duration.ofMinutes(2);
  static final int DEFAULT_CHUNK_ROWS = 100_000;
  static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(60);

  private final DatabaseConnector connector;
  private final Duration slotWait;
  private final Clock clock;

  /**
   * @param slotWait how long to wait for pgstream to confirm a position; an idle pgstream confirms
   *     only when the server asks (every wal_sender_timeout / 2, 30 s by default)
   */
  public Verifier(DatabaseConnector connector, Duration slotWait, Clock clock) {
    this.connector = connector;
    this.slotWait = slotWait;
    this.clock = clock;
  }

  public VerificationReport verify(PgstreamPipeline pipeline, ResolvedCredentials creds) throws VerificationException {
    PgstreamPipelineSpec spec = pipeline.getSpec();
    VerificationSpec options = spec.verification == null ? new VerificationSpec() : spec.verification;
    int chunkRows = options.chunkRows == null ? DEFAULT_CHUNK_ROWS : options.chunkRows;
    Duration timeout =
        options.statementTimeoutSeconds == null ? DEFAULT_STATEMENT_TIMEOUT : Duration.ofSeconds(options.statementTimeoutSeconds);
    // The connection's socket timeout follows its statement timeout, so a long chunk is not cut off.
    DatabaseConnector db = connector.withStatementTimeout(timeout);
    boolean streams = spec.mode.replicates();
    SlotProgress slot = new SlotProgress(streams ? ReplicationSlots.slotFor(pipeline) : null, slotWait, clock);
    RangeReader reader = new RangeReader(timeout);
    TransformedColumns transformed = new TransformedColumns(spec.transformationRules());
    try (Connection source = open(db, "source", spec.source, creds.sourceUser(), creds.sourcePassword(), creds);
        Connection target = open(db, "target", spec.target, creds.targetUser(), creds.targetPassword(), creds)) {
      List<TableCheck> checks = new ArrayList<>();
      for (TableSelection.Table table : TableSelection.tables(source, spec.tables, spec.excludedTables)) {
        checks.add(new TableCheck(TableShape.read(source, target, table, transformed.of(table)), reader, chunkRows));
      }
      for (TableCheck check : checks) {
        check.readSource(source);
      }
      String lsn = slot.awaitApplied(source);
      for (TableCheck check : checks) {
        check.readTarget(source, target);
      }
      for (int retry = 0; streams && retry < RETRIES; retry++) {
        List<TableCheck> differing = checks.stream().filter(TableCheck::differs).toList();
        if (differing.isEmpty()) {
          break;
        }
        for (TableCheck check : differing) {
          check.rereadSource(source);
        }
        lsn = slot.awaitApplied(source);
        for (TableCheck check : differing) {
          check.rereadTarget(target);
        }
      }
      return new VerificationReport(lsn, checks.stream().map(TableCheck::result).toList());
    } catch (SQLException e) {
      throw new VerificationException("A verification query failed: " + Redactor.redact(e.getMessage(), creds.secretValues()));
    }
  }

  private static Connection open(
      DatabaseConnector db, String side, ConnectionSpec c, String user, String password, ResolvedCredentials creds)
      throws VerificationException {
    try {
      return db.open(c, c.database, user, password);
    } catch (SQLException e) {
      throw new VerificationException(
          "Cannot connect to the %s %s:%d/%s as %s: %s"
              .formatted(side, c.host, c.effectivePort(), c.database, user, Redactor.redact(e.getMessage(), creds.secretValues())));
    }
  }
}
