package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.pgstream.operator.config.Hashes;
import java.util.Map;
import java.util.TreeMap;

/**
 * The inputs that only change how a step's Job runs, not what it does: a change never stops a running
 * Job, but it does run a failed one again (a bigger memory limit, an image with pg_dump, the admin
 * login, rotated credentials, a pod template are how a user fixes a failure).
 *
 * @param image the image the pod runs (spec.image, the operator's pgstream image, or the runner image)
 * @param sourceAsAdmin the source login variables carry the source admin's login
 * @param credentialsVersion {@link io.pgstream.operator.credentials.CredentialsVersion} of the logins
 * @param deadlineSeconds the Job's activeDeadlineSeconds
 * @param disruptionsRetried a pod evicted or drained away is replaced rather than failing the Job
 * @param podTemplate spec.podTemplate as canonical JSON ("" for none): node placement or an extra
 *     variable is how a user fixes a pod that could not be scheduled or lacked a setting
 */
public record StepTemplate(
    String image,
    ResourceRequirements resources,
    boolean sourceAsAdmin,
    String credentialsVersion,
    long deadlineSeconds,
    boolean disruptionsRetried,
    String podTemplate) {

  /** Recorded as the Job's {@link Children#TEMPLATE_HASH_ANNOTATION} and in StepStatus.templateHash. */
  public String hash() {
    String inputs =
        String.join(
            "\n",
            image,
            "requests=" + quantities(resources.getRequests()),
            "limits=" + quantities(resources.getLimits()),
            "asAdmin=" + sourceAsAdmin,
            "credentials=" + credentialsVersion,
            "deadline=" + deadlineSeconds,
            "disruptionsRetried=" + disruptionsRetried);
    // Only when there is one, so the hashes Jobs recorded before pod templates existed still match.
    return Hashes.shortHash(podTemplate.isEmpty() ? inputs : inputs + "\npodTemplate=" + podTemplate);
  }

  /** Sorted and normalised, so the order keys were written in or "1024Mi" against "1Gi" changes nothing. */
  private static String quantities(Map<String, Quantity> values) {
    Map<String, String> sorted = new TreeMap<>();
    if (values != null) {
      values.forEach((k, v) -> sorted.put(k, Quantity.getAmountInBytes(v).stripTrailingZeros().toPlainString()));
    }
    return sorted.toString();
  }
}
