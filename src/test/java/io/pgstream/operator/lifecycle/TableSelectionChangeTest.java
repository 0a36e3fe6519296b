package io.pgstream.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.lifecycle.TableSelectionChange.Selection;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableSelectionChangeTest {
  private static Selection of(String... tables) {
    return new Selection(List.of(tables), List.of());
  }

  @Test
  void aTableUnderACoveredPatternIsNoAddition() {
    TableSelectionChange change = TableSelectionChange.between(of("public.*"), of("public.*", "public.orders", "orders"));
    assertThat(change.added()).isEmpty();
    assertThat(change.kinds()).isEmpty();
    assertThat(TableSelectionChange.between(of("*.*"), of("sales.*", "billing.inv*")).added()).isEmpty();
  }

  @Test
  void aNewTableOrAWiderPatternIsAnAddition() {
    TableSelectionChange change = TableSelectionChange.between(of("public.orders"), of("public.orders", "sales.invoices"));
    assertThat(change.heldOut()).containsExactly("sales.invoices");
    assertThat(change.kinds()).containsExactly(ChangeKind.TABLES_ADDED);

    TableSelectionChange wider = TableSelectionChange.between(of("public.orders"), of("public.*"));
    assertThat(wider.heldOut()).containsExactly("public.*");
    assertThat(wider.removed()).as("public.* still covers public.orders").isEmpty();
    assertThat(TableSelectionChange.between(of("public.ord*"), of("public.*")).heldOut()).containsExactly("public.*");
  }

  @Test
  void whileAWiderPatternWaitsTheTablesItCoveredBeforeStillStream() {
    assertThat(TableSelectionChange.streamed(List.of("public.*", "billing.invoices"), List.of("public.*"), List.of("public.orders", "billing.invoices")))
        .containsExactly("billing.invoices", "public.orders");
  }

  @Test
  void theBackfillCopiesTheAdditionsLessWhatIsCoveredOrExcluded() {
    Selection covered = of("public.orders");
    Selection wanted = new Selection(List.of("public.*", "sales.x"), List.of("public.audit", "other.t"));
    TableSelectionChange change = TableSelectionChange.between(covered, wanted);
    Selection backfill = change.backfill(covered, wanted);
    assertThat(backfill.tables()).containsExactly("public.*", "sales.x");
    assertThat(backfill.excluded()).containsExactly("public.audit", "public.orders");
    assertThat(TableSelectionChange.between(covered.union(backfill), wanted).added()).as("converged").isEmpty();
  }

  @Test
  void anExclusionLiftedIsAnAddition() {
    Selection covered = new Selection(List.of("public.*"), List.of("public.audit"));
    TableSelectionChange change = TableSelectionChange.between(covered, of("public.*"));
    assertThat(change.heldOut()).isEmpty();
    assertThat(change.unExcluded()).containsExactly("public.audit");
    Selection backfill = change.backfill(covered, of("public.*"));
    assertThat(backfill.tables()).containsExactly("public.audit");
    Selection after = covered.union(backfill);
    assertThat(after.excluded()).isEmpty();
    assertThat(TableSelectionChange.between(after, of("public.*")).kinds()).isEmpty();
  }

  @Test
  void droppedTablesNarrowWhatTheTargetHoldsSoSelectingThemAgainIsAnAddition() {
    Selection covered = of("public.orders", "public.invoices");
    TableSelectionChange dropped = TableSelectionChange.between(covered, of("public.orders"));
    assertThat(dropped.removed()).containsExactly("public.invoices");
    assertThat(dropped.kinds()).containsExactly(ChangeKind.TABLES_REMOVED);
    Selection narrowed = covered.intersection(of("public.orders"));
    assertThat(narrowed.tables()).containsExactly("public.orders");
    assertThat(TableSelectionChange.between(narrowed, covered).heldOut()).containsExactly("public.invoices");

    Selection excludedNow = new Selection(List.of("public.*"), List.of("public.audit"));
    assertThat(TableSelectionChange.between(of("public.*"), excludedNow).removed()).containsExactly("public.audit");
    assertThat(of("public.*").intersection(excludedNow).excluded()).containsExactly("public.audit");
  }

  @Test
  void globsCoverPerPartAndBareNamesMeanPublic() {
    assertThat(TableSelectionChange.covers("orders", "public.orders")).isTrue();
    assertThat(TableSelectionChange.covers("public.*", "orders")).isTrue();
    assertThat(TableSelectionChange.covers("*.orders", "sales.orders")).isTrue();
    assertThat(TableSelectionChange.covers("*.orders", "sales.*")).isFalse();
    assertThat(TableSelectionChange.covers("public.orders", "public.orders2")).isFalse();
    assertThat(TableSelectionChange.covers("pub.*", "public.x")).as("no partial schema match").isFalse();
    assertThat(TableSelectionChange.covers("a$b.*", "a$b.c")).as("$ is literal").isTrue();
  }
}
