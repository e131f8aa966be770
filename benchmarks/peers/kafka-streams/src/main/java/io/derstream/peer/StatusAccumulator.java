package io.derstream.peer;

/**
 * The sums of SEMANTICS.md §4 for one group and window, member by member. Plain double
 * arithmetic in member order, as a Kafka Streams aggregator would do it; derstream sums
 * exactly (Shewchuk) and rounds once, so the sums may differ in the last bits.
 */
final class StatusAccumulator {
  private int reporting;
  private int fresh;
  private int stale;
  private int connected;
  private double activePower;
  private double reactivePower;
  private int reactivePowerCount;
  private double maxActivePower;
  private double activePowerWithMax;
  private int maxActivePowerCount;
  private double minActivePower;
  private double activePowerWithMin;
  private int minActivePowerCount;
  private double socWeighted;
  private double socWeight;
  private double socPlain;
  private int socCount;
  private int socWithoutEnergy;
  private double storedEnergy;
  private int storedEnergyCount;
  private Double voltageMin;
  private Double voltageMax;

  /**
   * One member, given its last reading before the window's end ({@code null}: silent)
   * and whether it reported inside the window.
   */
  void add(Reading last, boolean reportingInWindow, Double ratedEnergy, long windowEnd, long stalenessMs) {
    if (last == null) return; // silent: counted as members - fresh - stale
    boolean isFresh = reportingInWindow || windowEnd - last.ts() <= stalenessMs;
    if (!isFresh) {
      stale++;
      return;
    }
    fresh++;
    if (reportingInWindow) reporting++;
    activePower += last.activePower();
    if (last.reactivePower() != null) {
      reactivePower += last.reactivePower();
      reactivePowerCount++;
    }
    if (last.voltage() != null) {
      double v = last.voltage();
      voltageMin = voltageMin == null ? v : Math.min(voltageMin, v);
      voltageMax = voltageMax == null ? v : Math.max(voltageMax, v);
    }
    if (last.stateOfCharge() != null) {
      double soc = last.stateOfCharge();
      socCount++;
      socPlain += soc;
      if (ratedEnergy == null) socWithoutEnergy++;
      else {
        socWeighted += soc * ratedEnergy;
        socWeight += ratedEnergy;
        storedEnergy += soc / 100 * ratedEnergy;
        storedEnergyCount++;
      }
    }
    if (!last.connected()) return;
    connected++;
    if (last.maxActivePower() != null) {
      maxActivePower += last.maxActivePower();
      activePowerWithMax += last.activePower();
      maxActivePowerCount++;
    }
    if (last.minActivePower() != null) {
      minActivePower += last.minActivePower();
      activePowerWithMin += last.activePower();
      minActivePowerCount++;
    }
  }

  boolean anyFresh() {
    return fresh > 0;
  }

  GroupStatus finish(String groupId, long windowEnd, long windowMs, int members) {
    Double soc =
        socCount == 0 ? null : socWithoutEnergy > 0 ? socPlain / socCount : socWeighted / socWeight;
    return new GroupStatus(
        groupId,
        windowEnd - windowMs,
        windowEnd,
        1,
        members,
        reporting,
        fresh,
        stale,
        members - fresh - stale,
        connected,
        activePower + 0.0,
        reactivePowerCount == 0 ? null : reactivePower,
        maxActivePowerCount == 0 ? null : maxActivePower,
        minActivePowerCount == 0 ? null : minActivePower,
        maxActivePowerCount == 0 ? null : maxActivePower - activePowerWithMax,
        minActivePowerCount == 0 ? null : activePowerWithMin - minActivePower,
        soc,
        storedEnergyCount == 0 ? null : storedEnergy,
        voltageMin,
        voltageMax);
  }
}
