package io.pgstream.operator.credentials;

import java.util.Collection;
import java.util.regex.Pattern;

/** Removes credentials from text that leaves the operator (status, Events, logs). */
public final class Redactor {
  /** The password part of {@code scheme://user:password@host}. */
  private static final Pattern URL_PASSWORD = Pattern.compile("(://[^:/@\\s]*:)[^@\\s]*@");
  static final String MASK = "****";

  private Redactor() {}

  public static String redact(String text, Collection<String> secretValues) {
    if (text == null) {
      return null;
    }
    String out = URL_PASSWORD.matcher(text).replaceAll("$1" + MASK + "@");
    for (String value : secretValues) {
      if (value != null && value.length() >= 4) {
        out = out.replace(value, MASK);
      }
    }
    return out;
  }
}
