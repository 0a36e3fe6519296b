package io.pgstream.operator.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.Hashes;
import io.pgstream.operator.support.Pipelines;
import org.junit.jupiter.api.Test;

class CredentialsVersionTest {
  static final ResolvedCredentials CREDS = new ResolvedCredentials("app", "pw-1", "tgt", "pw-t");

  @Test
  void aRotationChangesTheVersionAndNothingElseDoes() {
    PgstreamPipeline p = pipeline("uid-1");
    String v = CredentialsVersion.of(p, CREDS);
    assertThat(CredentialsVersion.of(p, new ResolvedCredentials("app", "pw-1", "tgt", "pw-t"))).isEqualTo(v);
    assertThat(CredentialsVersion.of(p, new ResolvedCredentials("app", "pw-2", "tgt", "pw-t"))).isNotEqualTo(v);
    assertThat(CredentialsVersion.of(p, new ResolvedCredentials("app2", "pw-1", "tgt", "pw-t"))).isNotEqualTo(v);
    assertThat(CredentialsVersion.of(p, new ResolvedCredentials(new Login("app", "pw-1"), new Login("tgt", "pw-t"), new Login("admin", "a"), null)))
        .as("an admin login counts too")
        .isNotEqualTo(v);
    // Length-prefixed: moving a character from the user to the password is another set of logins.
    assertThat(CredentialsVersion.of(p, new ResolvedCredentials("ap", "ppw-1", "tgt", "pw-t"))).isNotEqualTo(v);
  }

  @Test
  void itIsSaltedPerPipelineSoTheSamePasswordShowsDifferentlyAndIsNoPlainHash() {
    String a = CredentialsVersion.of(pipeline("uid-1"), CREDS);
    String b = CredentialsVersion.of(pipeline("uid-2"), CREDS);
    assertThat(a).isNotEqualTo(b).hasSize(16);
    for (String plain : new String[] {"pw-1", "app", "pw-1pw-t", "3:app4:pw-13:tgt4:pw-t-1:-1:-1:-1:"}) {
      assertThat(Hashes.sha256Hex(plain)).doesNotContain(a);
    }
    assertThat(a).doesNotContain("pw-1");
  }

  private static PgstreamPipeline pipeline(String uid) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("orders");
    p.getMetadata().setUid(uid);
    return p;
  }
}
