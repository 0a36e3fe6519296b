package io.pgstream.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.support.Pipelines;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Review L5: a repeated Event is written once per window, and a problem that comes back is told again. */
@EnableKubernetesMockClient(crud = true)
class EventRecorderTest {
  KubernetesClient client;

  private List<String> written() {
    return client.v1().events().inAnyNamespace().list().getItems().stream().map(e -> e.getType() + "/" + e.getReason()).toList();
  }

  private static PgstreamPipeline pipeline(String uid) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("orders");
    p.getMetadata().setUid(uid);
    return p;
  }

  @Test
  void theSameProblemOnTwoReconcilesIsOneEvent() {
    EventRecorder recorder = new EventRecorder(client, Clock.systemUTC());
    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive");
    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive");
    assertThat(written()).containsExactly("Warning/SlotInactive");

    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive for 2 minutes");
    recorder.warning(pipeline("u2"), "SlotInactive", "slot s is inactive");
    assertThat(written()).as("another message, another object").hasSize(3);
  }

  @Test
  void aProblemThatComesBackAfterRecoveringIsToldAgain() {
    EventRecorder recorder = new EventRecorder(client, Clock.systemUTC());
    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive");
    recorder.normal(pipeline("u1"), "Recovered", "The earlier problem is resolved");
    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive");
    assertThat(written()).containsExactlyInAnyOrder("Warning/SlotInactive", "Normal/Recovered", "Warning/SlotInactive");
    assertThat(client.v1().events().inAnyNamespace().list().getItems())
        .extracting(Event::getInvolvedObject)
        .allSatisfy(o -> assertThat(o.getUid()).isEqualTo("u1"));
  }

  @Test
  void aRepeatIsToldAgainAfterTheWindow() {
    EventDeduplicator recent = new EventDeduplicator();
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    assertThat(recent.isNew("u1", "Warning", "SlotInactive", "m", t)).isTrue();
    assertThat(recent.isNew("u1", "Warning", "SlotInactive", "m", t.plus(EventDeduplicator.WINDOW).minusSeconds(1))).isFalse();
    assertThat(recent.isNew("u1", "Warning", "SlotInactive", "m", t.plus(EventDeduplicator.WINDOW))).isTrue();
  }
}
