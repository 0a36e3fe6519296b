package io.pgstream.operator.config;

import io.pgstream.operator.lifecycle.TableSelectionChange.Selection;
import java.util.List;

/**
 * What the renderer takes from the pipeline's progress besides the spec, as explicit inputs so it
 * stays a pure function of what it is given.
 *
 * @param heldOutTables spec.tables patterns the target was never given: left out of replication.yaml until backfilled
 * @param coveredTables the patterns the target holds; those a held-out wildcard would have carried still stream
 * @param backfill what a running backfill copies (rendered as backfill.yaml), or null
 */
public record RenderOptions(List<String> heldOutTables, List<String> coveredTables, Selection backfill) {
  public static final RenderOptions NONE = new RenderOptions(List.of(), List.of(), null);

  public RenderOptions {
    heldOutTables = List.copyOf(heldOutTables);
    coveredTables = List.copyOf(coveredTables);
  }
}
