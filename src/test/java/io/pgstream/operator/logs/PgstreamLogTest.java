package io.pgstream.operator.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PgstreamLogTest {
  /** The end of a real pgstream 1.3.1 run stopped by strict mode (WriteFailuresE2E's scenario), timestamps removed. */
  static String strictStop() throws IOException {
    return Files.readString(Path.of("src/test/resources/pgstream-logs/strict-stop.log"));
  }

  @Test
  void aRealStrictModeStopIsRecognisedWithoutTheRowsValues() throws IOException {
    String log = strictStop();
    assertThat(log).as("the fixture holds the failed statement's arguments").contains("-7654321");
    String error = PgstreamLog.lastError(log).orElseThrow();
    assertThat(PgstreamLog.stoppedOnRejectedWrite(error)).isTrue();
    assertThat(error).contains("check constraint \"total_not_negative\"").doesNotContain("7654321");
  }

  @Test
  void theLastErrorIsFoundAndItsRowDataIsNot() {
    String log =
        """
        {"level":"info","message":"logical replication started"}
        {"level":"error","module":"postgres_batch_writer","sql":"INSERT INTO \\"public\\".\\"t\\"(\\"id\\", \\"v\\") VALUES($1, $2)","args":[7,"secret row value"],"error":"ERROR: duplicate key value violates unique constraint \\"t_pkey\\" (SQLSTATE 23505)","message":"executing sql query"}
        Error: strict mode: stopping on non-internal query failure: ERROR: duplicate key value violates unique constraint "t_pkey" (SQLSTATE 23505)
        """;
    String error = PgstreamLog.lastError(log).orElseThrow();
    assertThat(error)
        .isEqualTo(
            "strict mode: stopping on non-internal query failure: ERROR: duplicate key value violates unique constraint \"t_pkey\" (SQLSTATE 23505)");
    assertThat(PgstreamLog.stoppedOnRejectedWrite(error)).isTrue();
    assertThat(error).doesNotContain("secret row value");
  }

  @Test
  void valuesQuotedByPostgresAreRedactedButObjectNamesStay() {
    assertThat(PgstreamLog.redactValues("ERROR: invalid input syntax for type integer: \"4111 1111\" (SQLSTATE 22P02)"))
        .isEqualTo("ERROR: invalid input syntax for type integer: \"<redacted>\" (SQLSTATE 22P02)");
    assertThat(PgstreamLog.redactValues("Key (email)=(ann@example.com) already exists in relation \"users\""))
        .isEqualTo("Key (email)=(<redacted>) already exists in relation \"users\"");
    assertThat(PgstreamLog.redactValues("new row for relation \"orders\" violates check constraint \"positive\" at 'x''y'"))
        .isEqualTo("new row for relation \"orders\" violates check constraint \"positive\" at '<redacted>'");
  }

  @Test
  void aTailWithoutAnErrorRecordKeepsOnlyLevelsAndMessages() {
    String tail =
        """
        {"level":"warn","args":[4111111111111111,true,-7654321],"severity":"DATALOSS","message":"dropping failed query"}
        DETAIL:  Failing row contains (42, secret, 7).
        """;
    assertThat(PgstreamLog.summary(tail)).hasValue("warn: dropping failed query\nDETAIL:  Failing row contains (<redacted>).");
    assertThat(PgstreamLog.summary(" ")).isEmpty();
  }

  @Test
  void theLastTimestampIsWhereTheNextReadGoesOn() {
    String log =
        """
        {"level":"info","timestamp":"2026-12-01T10:04:56.194888708Z","message":"a"}
        {"level":"info","timestamp":"2026-12-01T10:04:57.5Z","message":"b"}
        not json
        """;
    assertThat(PgstreamLog.lastTimestamp(log)).hasValue(Instant.parse("2026-12-01T10:04:57.5Z"));
    assertThat(PgstreamLog.lastTimestamp("{\"timestamp\":\"yesterday\"}")).isEmpty();
  }

  @Test
  void anErrorFromAJsonRecordJoinsMessageAndCause() {
    String log = "{\"level\":\"error\",\"error\":{\"message\":\"connection refused\"},\"message\":\"replication listener\"}";
    assertThat(PgstreamLog.lastError(log)).contains("replication listener: connection refused");
    assertThat(PgstreamLog.lastError("{\"level\":\"info\",\"message\":\"fine\"}\nplain text")).isEmpty();
  }

  @Test
  void droppedWritesAreTheHighestRunningCountOfDataLossRecords() {
    String log =
        """
        {"level":"warn","severity":"DATALOSS","dropped_queries":1,"args":["x"],"message":"dropping failed query and advancing checkpoint, replica may diverge"}
        {"level":"info","message":"batch sent"}
        {"level":"warn","severity":"DATALOSS","dropped_queries":3,"message":"dropping failed query and advancing checkpoint, replica may diverge"}
        {"level":"warn","severity":"DATALOSS","dropped_queries":2,"message":"dropping failed query and advancing checkpoint, replica may diverge"}
        {"level":"warn","severity":"DATALOSS","message":"skipping non-insert event"}
        """;
    assertThat(PgstreamLog.droppedWrites(log)).hasValue(3);
    assertThat(PgstreamLog.droppedWrites("{\"level\":\"info\"}")).isEmpty();
  }
}
