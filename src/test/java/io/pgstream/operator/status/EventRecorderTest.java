package io.pgstream.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.support.Pipelines;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Review L5: a repeated Event is written once per window, and a problem that comes back is told again. */
@EnableKubernetesMockClient(crud = true)
class EventRecorderTest {
  KubernetesClient client;
  Instant now = Instant.parse("2026-12-01T10:00:00Z");

  private Clock clock() {
    return new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now;
      }
    };
  }

  private EventRecorder recorder() {
    return new EventRecorder(client, clock());
  }

  private List<String> written() {
    return client.v1().events().inAnyNamespace().list().getItems().stream()
        .sorted(Comparator.comparing(Event::getLastTimestamp))
        .map(e -> e.getType() + "/" + e.getReason())
        .toList();
  }

  private static PgstreamPipeline pipeline(String uid) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("orders");
    p.getMetadata().setUid(uid);
    return p;
  }

  @Test
  void theSameProblemOnTwoReconcilesIsOneEvent() {
    EventRecorder recorder = recorder();
    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive");
    now = now.plusSeconds(30);
    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive");
    assertThat(written()).containsExactly("Warning/SlotInactive");

    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive for 2 minutes");
    recorder.warning(pipeline("u2"), "SlotInactive", "slot s is inactive");
    assertThat(written()).as("another message, another object").hasSize(3);

    now = now.plus(EventDeduplicator.WINDOW);
    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive");
    assertThat(written()).as("a reminder after the window").hasSize(4);
  }

  @Test
  void aProblemThatComesBackAfterRecoveringIsToldAgain() {
    EventRecorder recorder = recorder();
    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive");
    now = now.plusSeconds(1);
    recorder.normal(pipeline("u1"), "Recovered", "The earlier problem is resolved");
    now = now.plusSeconds(1);
    recorder.warning(pipeline("u1"), "SlotInactive", "slot s is inactive");
    assertThat(written()).containsExactly("Warning/SlotInactive", "Normal/Recovered", "Warning/SlotInactive");
    List<Event> all = client.v1().events().inAnyNamespace().list().getItems();
    assertThat(all).allSatisfy(e -> assertThat(e.getInvolvedObject().getUid()).isEqualTo("u1"));
  }
}
