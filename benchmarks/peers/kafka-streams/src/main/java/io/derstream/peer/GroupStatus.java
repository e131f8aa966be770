package io.derstream.peer;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** A group's status for one window in the canonical JSON form of SEMANTICS.md §4 (same field order as derstream). */
@JsonPropertyOrder({
  "groupId", "windowStart", "windowEnd", "version", "members", "reporting", "fresh", "stale", "silent",
  "connected", "activePower", "reactivePower", "maxActivePower", "minActivePower", "headroomUp",
  "headroomDown", "stateOfCharge", "storedEnergy", "voltageMin", "voltageMax"
})
public record GroupStatus(
    String groupId,
    long windowStart,
    long windowEnd,
    int version,
    int members,
    int reporting,
    int fresh,
    int stale,
    int silent,
    int connected,
    double activePower,
    Double reactivePower,
    Double maxActivePower,
    Double minActivePower,
    Double headroomUp,
    Double headroomDown,
    Double stateOfCharge,
    Double storedEnergy,
    Double voltageMin,
    Double voltageMax) {}
