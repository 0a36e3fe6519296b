package io.pgstream.operator.durable;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.durable.ProgressVerdict.Adopt;
import io.pgstream.operator.durable.ProgressVerdict.Findings;
import io.pgstream.operator.durable.ProgressVerdict.Unknown;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every way what outlived a lost status settles it, or does not. */
class ProgressVerdictTest {
  static final String SLOT = "pgstream_default_orders";

  @Test
  void aMatchingSnapshotRecordWithItsSlotIsAdoptedWhole() {
    assertThat(decide(new Findings(done("n1"), SLOT, true, false, List.of("public.orders")), "n1")).isEqualTo(new Adopt(true, true));
    assertThat(ProgressVerdict.decide(new Findings(done(null), null, false, false, List.of("public.orders")), true, "app", null))
        .as("mode snapshot: no slot").isEqualTo(new Adopt(false, true));
  }

  @Test
  void nothingBeforeIsANewPipelineAndAnInitOnlyRecordAdoptsTheSlot() {
    assertThat(decide(new Findings(null, SLOT, false, false, List.of()), null)).isEqualTo(new Adopt(false, false));
    assertThat(decide(new Findings(null, SLOT, true, false, List.of()), null)).as("a slot and an empty target").isEqualTo(new Adopt(true, false));
    assertThat(decide(new Findings(initOnly(), SLOT, true, false, List.of()), null)).isEqualTo(new Adopt(true, false));
  }

  @Test
  void whatDoesNotSettleItIsUnknownAndSaysWhat() {
    assertThat(decide(new Findings(done("n1"), SLOT, true, false, List.of()), "n2"))
        .isInstanceOfSatisfying(Unknown.class, u -> assertThat(u.found()).contains("'n1'", "'n2'"));
    assertThat(decide(new Findings(done("n1"), SLOT, false, false, List.of()), "n1"))
        .isInstanceOfSatisfying(Unknown.class, u -> assertThat(u.found()).contains("no longer exists"));
    assertThat(decide(new Findings(null, SLOT, true, false, List.of("public.orders")), null))
        .isInstanceOfSatisfying(Unknown.class, u -> assertThat(u.found()).contains("hold rows", "public.orders"));
    assertThat(decide(new Findings(null, SLOT, true, true, List.of()), null))
        .isInstanceOfSatisfying(Unknown.class, u -> assertThat(u.found()).contains("another pipeline"));
    assertThat(decide(new Findings(done("n1"), "pgstream_other", true, false, List.of()), "n1"))
        .isInstanceOfSatisfying(Unknown.class, u -> assertThat(u.found()).contains("source or slot changed"));
  }

  @Test
  void modeReplicationAdoptsItsOwnSlotAndBlocksWhenTheRecordedOneIsGone() {
    assertThat(ProgressVerdict.decide(new Findings(null, SLOT, true, false, List.of()), false, "app", null)).isEqualTo(new Adopt(true, false));
    assertThat(ProgressVerdict.decide(new Findings(null, SLOT, false, false, List.of()), false, "app", null)).isEqualTo(new Adopt(false, false));
    assertThat(ProgressVerdict.decide(new Findings(initOnly(), SLOT, false, false, List.of()), false, "app", null)).isInstanceOf(Unknown.class);
  }

  private static ProgressVerdict decide(Findings f, String nonce) {
    return ProgressVerdict.decide(f, true, "app", nonce);
  }

  private static ProgressRecord initOnly() {
    return new ProgressRecord("default", "orders", "u", "SNAPSHOT_AND_REPLICATION", "h", 5432, "app", SLOT, "2026-12-01T10:00:00Z",
        null, null, null, null);
  }

  private static ProgressRecord done(String nonce) {
    return new ProgressRecord("default", "orders", "u", "SNAPSHOT_AND_REPLICATION", "h", 5432, "app", SLOT, "2026-12-01T10:00:00Z",
        nonce, "h1", List.of("public.orders"), "2026-12-01T11:00:00Z");
  }
}
