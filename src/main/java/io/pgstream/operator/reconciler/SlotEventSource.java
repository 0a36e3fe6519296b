package io.pgstream.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.ReplicationSlots;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Feeds the slot watch's readings back to JOSDK: a pipeline is reconciled when its reading changed,
 * instead of every streaming pipeline rescheduling itself. The watch runs while this source does.
 */
final class SlotEventSource extends SimpleInboundEventSource<PgstreamPipeline> {
  private final SlotWatch watch;
  private final EventSourceContext<PgstreamPipeline> ctx;

  SlotEventSource(SlotWatch watch, EventSourceContext<PgstreamPipeline> ctx) {
    super("slot-watch");
    this.watch = watch;
    this.ctx = ctx;
  }

  @Override
  public void start() {
    super.start();
    watch.start(this::propagateEvent, this::claimedSlots, id -> ctx.getPrimaryCache().get(id));
  }

  @Override
  public void stop() {
    watch.stop();
    super.stop();
  }

  /** Every slot a pipeline uses or recorded (an abandoned, retained slot is still its), once per round. */
  private Set<String> claimedSlots() {
    return ctx.getPrimaryCache().list().flatMap(SlotEventSource::slotsOf).collect(Collectors.toSet());
  }

  private static Stream<String> slotsOf(PgstreamPipeline p) {
    Stream<String> recorded =
        p.getStatus() == null || p.getStatus().slotsCreated == null
            ? Stream.empty()
            : p.getStatus().slotsCreated.stream().map(r -> r.name).filter(Objects::nonNull);
    return Stream.concat(Stream.of(ReplicationSlots.slotFor(p)), recorded);
  }
}
