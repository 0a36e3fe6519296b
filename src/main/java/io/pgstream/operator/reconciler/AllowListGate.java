package io.pgstream.operator.reconciler;

import io.pgstream.operator.TenancyGuards;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import java.util.Optional;

/**
 * Refuses a pipeline whose spec.image or database hosts lie outside the platform team's allow-lists,
 * before the operator connects anywhere or creates a pod, so neither the pipeline's credentials nor
 * the operator's network position serve a host or image the platform team did not allow.
 */
final class AllowListGate {
  static final String IMAGE_NOT_ALLOWED = "ImageNotAllowed";
  static final String HOST_NOT_ALLOWED = "HostNotAllowed";

  private final TenancyGuards guards;

  AllowListGate(TenancyGuards guards) {
    this.guards = guards;
  }

  /** Why the pipeline may not go on, recorded on its condition; null when it may. */
  Blocker check(PgstreamPipeline p, StatusUpdater s) {
    Optional<Blocker> image = imageRefusal(p);
    if (image.isPresent()) {
      s.set(ConditionType.ConfigRendered, false, IMAGE_NOT_ALLOWED, image.get().message());
      return image.get();
    }
    Optional<HostRefusal> host = hostRefusal(p);
    host.ifPresent(h -> s.set(h.condition(), false, HOST_NOT_ALLOWED, h.blocker().message()));
    return host.map(HostRefusal::blocker).orElse(null);
  }

  /**
   * Also asked before a deleted pipeline's destroy Job, which runs spec.image with the credentials
   * against the hosts of the spec as it is then, edited or not.
   */
  Optional<Blocker> refusal(PgstreamPipeline p) {
    return imageRefusal(p).or(() -> hostRefusal(p).map(HostRefusal::blocker));
  }

  private Optional<Blocker> imageRefusal(PgstreamPipeline p) {
    return guards.allowedImages().refusal(p.getSpec().image).map(message -> new Blocker(IMAGE_NOT_ALLOWED, message));
  }

  /** Why the operator may not connect to {@code host} (a recorded slot's server, maybe refused since), if it may not. */
  Optional<String> connectionRefusal(String host) {
    return guards.allowedHosts().refusal(host);
  }

  private record HostRefusal(ConditionType condition, Blocker blocker) {}

  private Optional<HostRefusal> hostRefusal(PgstreamPipeline p) {
    return hostRefusal(ConditionType.SourceReady, "Source", p.getSpec().source.host)
        .or(() -> hostRefusal(ConditionType.TargetReady, "Target", p.getSpec().target.host));
  }

  private Optional<HostRefusal> hostRefusal(ConditionType type, String side, String host) {
    return guards.allowedHosts()
        .refusal(host)
        .map(
            refusal ->
                new HostRefusal(
                    type,
                    new Blocker(
                        HOST_NOT_ALLOWED,
                        side + " " + refusal + ". The operator does not connect to it; use an allowed host, or ask the"
                            + " platform team to add it (--allowed-database-hosts, chart value database.allowedHosts)")));
  }
}
