package io.pgstream.operator;

import io.pgstream.operator.dependent.ImageAllowList;
import io.pgstream.operator.preflight.HostAllowList;

/**
 * The platform team's opt-in limits on what creating a pipeline lets its author do with the
 * operator's rights (README, "Multi-tenant install"); all off by default.
 *
 * @param requireSecretReferenceLabel a pipeline may only reference Secrets labelled
 *     pgstream.io/reference-allowed: "true"
 * @param allowedHosts the database hosts the operator connects to
 * @param allowedImages the images spec.image may name
 */
public record TenancyGuards(boolean requireSecretReferenceLabel, HostAllowList allowedHosts, ImageAllowList allowedImages) {
  public static final TenancyGuards NONE = new TenancyGuards(false, HostAllowList.ANY, ImageAllowList.ANY);
}
