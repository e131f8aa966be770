package io.derstream.peer;

/**
 * One telemetry reading (SEMANTICS.md §1), decoded from the Avro record on the telemetry
 * topic. Nullable numbers are boxed; {@code null} means "no value".
 */
public record Reading(
    String deviceId,
    long ts,
    double activePower,
    Double reactivePower,
    Double voltage,
    Double stateOfCharge,
    Double maxActivePower,
    Double minActivePower,
    boolean connected) {

  /**
   * Why the reading is invalid under SEMANTICS.md §1, or {@code null} when it is valid.
   * Missing required fields and wrong types cannot occur after Avro decoding (the schema
   * has them non-null), so what is left are the value checks; {@code now} is the wall
   * clock for the future-timestamp check (live mode, as derstream's {@code run}).
   */
  public String invalidReason(long now, long futureToleranceMs) {
    if (deviceId == null || deviceId.isEmpty()) return "MISSING_FIELD";
    if (!Double.isFinite(activePower)
        || notFinite(reactivePower)
        || notFinite(voltage)
        || notFinite(stateOfCharge)
        || notFinite(maxActivePower)
        || notFinite(minActivePower)) return "NOT_FINITE";
    if (stateOfCharge != null && (stateOfCharge < 0 || stateOfCharge > 100))
      return "STATE_OF_CHARGE_OUT_OF_RANGE";
    if (maxActivePower != null && minActivePower != null && minActivePower > maxActivePower)
      return "MIN_ABOVE_MAX";
    if (ts > now + futureToleranceMs) return "FUTURE_TIMESTAMP";
    return null;
  }

  private static boolean notFinite(Double value) {
    return value != null && !Double.isFinite(value);
  }

  /** The reducer of the per-device window: the larger {@code ts} wins, and of equal ones the later arrival. */
  public static Reading later(Reading current, Reading next) {
    return next.ts >= current.ts ? next : current;
  }
}
