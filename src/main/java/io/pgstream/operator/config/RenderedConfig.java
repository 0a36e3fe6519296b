package io.pgstream.operator.config;

import java.util.Map;

/**
 * The pgstream config files of one pipeline (ConfigMap key to YAML) and the hashes that say which
 * inputs each step ran with.
 *
 * @param files {@code snapshot.yaml} and/or {@code replication.yaml}, and the CA bundles the
 *     sides trust ({@code source-ca.crt}, {@code target-ca.crt}) when they have one
 * @param contentHash hash of all files; rolls the streaming pods when it changes
 * @param initHash hash of what {@code pgstream init} depends on (source and slot)
 * @param snapshotHash hash of what the snapshot depends on (its config and the snapshot nonce)
 * @param transformationsHash hash of the transformation rules the files carry; null without rules
 */
public record RenderedConfig(
    Map<String, String> files, String contentHash, String initHash, String snapshotHash, String transformationsHash) {}
