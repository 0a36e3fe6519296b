package io.pgstream.operator.aws;

import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;

/** Runs one AWS call, naming the IAM action it needs when it fails. */
final class AwsCalls {
  private AwsCalls() {}

  static <T> T call(String action, Supplier<T> call) throws AwsCallFailed {
    try {
      return call.get();
    } catch (SdkException e) {
      throw new AwsCallFailed(action, e);
    }
  }
}
