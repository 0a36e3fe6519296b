package io.pgstream.operator.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
  @Test
  void masksPasswordsInUrls() {
    String log = "failed to connect to postgres://pgstream:hunter2@db:5432/app?sslmode=require: timeout";
    assertThat(Redactor.redact(log, List.of()))
        .isEqualTo("failed to connect to postgres://pgstream:****@db:5432/app?sslmode=require: timeout");
  }

  @Test
  void masksKnownSecretValuesAnywhere() {
    ResolvedCredentials creds = new ResolvedCredentials("u", "P@ss word", "v", "other-secret");
    String text = "password P@ss word and P%40ss%20word and other-secret";
    assertThat(Redactor.redact(text, creds.secretValues())).isEqualTo("password **** and **** and ****");
  }

  @Test
  void credentialsNeverPrintThemselves() {
    assertThat(new ResolvedCredentials("u", "topsecret", "v", "topsecret2").toString()).doesNotContain("topsecret");
  }
}
