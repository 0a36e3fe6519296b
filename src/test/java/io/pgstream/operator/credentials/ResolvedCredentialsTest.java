package io.pgstream.operator.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResolvedCredentialsTest {
  final ResolvedCredentials creds =
      new ResolvedCredentials(new Login("app", "pw-app"), new Login("tgt", "pw-tgt"), new Login("postgres", "master-pw"), null);

  /** Review M8: the derived Secret kept a copy of the admin password that no pod used. */
  @Test
  void podsGetTheSourceAdminOnlyWhenInitRunsAsIt() {
    assertThat(creds.urlEncodedBase64(false))
        .containsOnlyKeys("PGSTREAM_SOURCE_USER", "PGSTREAM_SOURCE_PASSWORD", "PGSTREAM_TARGET_USER", "PGSTREAM_TARGET_PASSWORD");
    assertThat(creds.urlEncodedBase64(true)).containsKeys("PGSTREAM_SOURCE_ADMIN_USER", "PGSTREAM_SOURCE_ADMIN_PASSWORD");
  }
}
