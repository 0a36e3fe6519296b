package io.pgstream.operator.credentials;

import io.pgstream.operator.api.PgstreamPipeline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a pipeline's resolved credentials between reconciles of the same generation, so that the
 * periodic slot checks of streaming pipelines do not read their Secrets every minute. A changed spec
 * reads them at once; a rotated password is picked up within {@code refresh}.
 */
public class CredentialsCache {
  private record Entry(Long generation, Instant at, CredentialsResolver.Resolved resolved) {}

  private final CredentialsResolver resolver;
  private final Duration refresh;
  private final Clock clock;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  public CredentialsCache(CredentialsResolver resolver, Duration refresh, Clock clock) {
    this.resolver = resolver;
    this.refresh = refresh;
    this.clock = clock;
  }

  public CredentialsResolver.Result resolve(PgstreamPipeline p) {
    String key = key(p);
    Instant now = Instant.now(clock);
    Entry entry = entries.get(key);
    if (entry != null
        && Objects.equals(entry.generation(), p.getMetadata().getGeneration())
        && Duration.between(entry.at(), now).compareTo(refresh) < 0) {
      return entry.resolved();
    }
    CredentialsResolver.Result result = resolver.resolve(p);
    if (result instanceof CredentialsResolver.Resolved resolved) {
      entries.put(key, new Entry(p.getMetadata().getGeneration(), now, resolved));
    } else {
      entries.remove(key);
    }
    return result;
  }

  public void forget(PgstreamPipeline p) {
    entries.remove(key(p));
  }

  private static String key(PgstreamPipeline p) {
    return p.namespacedName();
  }
}
