package io.pgstream.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

class SlotStatusTest {
  @Test
  void aStatusThatStillNamesUnclaimedSlotsIsRead() {
    String json =
        """
        {"apiVersion":"pgstream.io/v1","kind":"PgstreamPipeline","metadata":{"name":"a"},
         "status":{"slot":{"state":"Healthy","unclaimedSlots":["pgstream_other_ns_x"]}}}
        """;
    PgstreamPipeline p = new KubernetesSerialization().unmarshal(json, PgstreamPipeline.class);
    assertThat(p.getStatus().slot.state).isEqualTo("Healthy");
    assertThat(p.getStatus().slot.unclaimedSlotCount).isNull();
  }
}
