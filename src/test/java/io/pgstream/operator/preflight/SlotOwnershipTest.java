package io.pgstream.operator.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.SlotRecordState;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.SlotConsumer;
import io.pgstream.operator.support.TestPostgres;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Whose an existing slot is, decided from the pipelines' recorded status, on a real server. */
class SlotOwnershipTest {
  static final String PW = "Sl0t-own:p@ss";
  static final AtomicInteger SEQ = new AtomicInteger();

  final Preflight preflight = new Preflight(DatabaseConnector.defaults());
  final TestPostgres rds = TestPostgres.rds();
  final String id = "so" + SEQ.incrementAndGet();
  final String src = id + "_src";
  final String slot = id + "_slot";

  private PgstreamPipeline pipeline(String namespace, String name) {
    PgstreamPipeline p = Pipelines.onServers(name, rds, src, rds, id + "_tgt");
    p.getMetadata().setNamespace(namespace);
    p.getSpec().mode = PipelineMode.REPLICATION;
    p.getSpec().tables = List.of("public.*");
    p.getSpec().replicationSlot = slot;
    return p;
  }

  /** A status with the slot recorded as created on the test server. */
  private PgstreamPipeline recording(PgstreamPipeline p) {
    SlotRecord r = new SlotRecord();
    r.name = slot;
    r.host = "127.0.0.1";
    r.port = rds.port();
    r.database = src;
    r.state = SlotRecordState.Current;
    p.setStatus(new PgstreamPipelineStatus());
    p.getStatus().slotsCreated = List.of(r);
    return p;
  }

  private PreflightReport run(PgstreamPipeline self, SlotClaim claim) {
    return preflight.run(self.getSpec(), slot, new ResolvedCredentials(id + "_reader", PW, id + "_writer", PW), claim);
  }

  private void databases() {
    rds.login(id + "_reader", PW, "SUPERUSER");
    rds.login(id + "_writer", PW, "");
    rds.database(src, "postgres", "CREATE TABLE public.orders (id int PRIMARY KEY)");
    rds.database(id + "_tgt", id + "_writer");
  }

  private static Finding finding(PreflightReport r, String code) {
    return r.findings().stream().filter(f -> f.code().equals(code)).findFirst().orElseThrow(() -> new AssertionError(code + " not in " + r.findings()));
  }

  @Test
  void aSlotAnotherPipelineRecordedIsRefusedNamingThatPipeline() {
    databases();
    PgstreamPipeline self = pipeline("default", "mine");
    PgstreamPipeline other = recording(pipeline("default", "theirs"));
    PgstreamPipeline elsewhere = recording(pipeline("team-b", "theirs"));
    SlotClaim claim = SlotClaim.of(self, slot, false, List.of(self, other));
    assertThat(claim.own()).isFalse();

    Finding absent = finding(run(self, claim), "SlotOfAnotherPipeline");
    assertThat(absent.cause()).as("refused even while the slot is gone").contains(slot, "PgstreamPipeline default/theirs");

    rds.execute(src, "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
    try {
      assertThat(finding(run(self, claim), "SlotOfAnotherPipeline").cause()).contains("PgstreamPipeline default/theirs");
      Finding foreign = finding(run(self, SlotClaim.of(self, slot, false, List.of(self, elsewhere))), "SlotOfAnotherPipeline");
      assertThat(foreign.cause()).contains("another namespace").doesNotContain("team-b");
      // A slot of this name on another server is not the other pipeline's.
      elsewhere.getStatus().slotsCreated.get(0).port = rds.port() + 1;
      assertThat(SlotClaim.of(self, slot, false, List.of(elsewhere)).otherPipeline()).isNull();
      assertThat(SlotClaim.of(recording(self), slot, false, List.of()).own()).as("its own record").isTrue();
    } finally {
      rds.execute(src, "SELECT pg_drop_replication_slot('" + slot + "')");
    }
  }

  @Test
  void aHeldSlotNamesItsHolderAndNeverTellsToTerminateTheOwnConsumer() throws Exception {
    databases();
    PgstreamPipeline self = pipeline("default", "mine");
    rds.execute(src, "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
    try (SlotConsumer consumer = new SlotConsumer(rds, src, slot, "someone-elses-consumer")) {
      Finding held = finding(run(self, SlotClaim.of(self, slot, false, List.of(self))), "SlotInUse");
      assertThat(held.cause()).contains("is in use by PID", "application_name \"someone-elses-consumer\"", "login postgres");
      assertThat(held.fix()).doesNotContain("pg_terminate_backend");
      assertThat(run(self, SlotClaim.of(recording(self), slot, false, List.of(self))).findings())
          .as("the slot it recorded may be held by its own streaming pod (a roll)")
          .isEmpty();
    } finally {
      rds.execute(src, "SELECT pg_drop_replication_slot('" + slot + "')");
    }
  }
}
