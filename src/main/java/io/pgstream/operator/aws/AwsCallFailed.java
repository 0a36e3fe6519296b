package io.pgstream.operator.aws;

import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * An AWS call that failed, with the IAM action it needed, as a condition reason and message.
 */
public class AwsCallFailed extends Exception {
  /** IAM names the resource it denies by ARN: "... on resource: arn:aws:rds:eu-west-1:1:db:orders". */
  private static final Pattern RDS_ARN = Pattern.compile("arn:aws[a-z-]*:rds:");

  private final String reason;

  AwsCallFailed(String action, SdkException e) {
    super(describe(action, e), e, false, false);
    this.reason = reason(e);
  }

  public String reason() {
    return reason;
  }

  /**
   * The call failed for the one resource it named: the resource does not exist, or IAM denies the
   * operator that resource (a policy conditioned on its tags). Told apart from "its tag does not name
   * your namespace", either would tell a namespace which resources exist.
   */
  boolean aboutTheResource() {
    return reason.equals("RdsNotFound")
        || (reason.equals("AwsAccessDenied")
            && getCause() instanceof AwsServiceException a
            && RDS_ARN.matcher(String.valueOf(a.awsErrorDetails().errorMessage())).find());
  }

  private static String reason(SdkException e) {
    if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
      String code = String.valueOf(a.awsErrorDetails().errorCode());
      if (code.startsWith("AccessDenied") || code.equals("UnauthorizedOperation") || a.statusCode() == 403) {
        return "AwsAccessDenied";
      }
      if (a.isThrottlingException()) {
        return "AwsThrottled";
      }
      if (code.endsWith("NotFound") || code.endsWith("NotFoundFault")) {
        return "RdsNotFound";
      }
      return "AwsError";
    }
    return e instanceof SdkClientException ? "AwsUnreachable" : "AwsError";
  }

  private static String describe(String action, SdkException e) {
    if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
      String code = a.awsErrorDetails().errorCode();
      String text = a.awsErrorDetails().errorMessage();
      String hint =
          switch (reason(e)) {
            case "AwsAccessDenied" -> " The operator's IAM role lacks " + action + "; add it to the role's policy.";
            case "AwsThrottled" -> " AWS throttled the operator; it retries with backoff.";
            default -> "";
          };
      return "%s failed: %s (HTTP %d): %s.%s".formatted(action, code, a.statusCode(), text, hint);
    }
    return "%s failed: %s. Check the operator's network path and credentials for the AWS API.".formatted(action, e.getMessage());
  }
}
