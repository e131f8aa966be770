package io.derstream.peer;

/**
 * What the fan-out step sends to the group step, keyed by group mRID: the final last
 * reading of one member device for one window (from the suppressed per-device window),
 * or, in drain mode, an end-of-input marker; either way with the source partition it
 * comes from, which tells the group step how far that partition has got.
 */
public record MemberFinal(String deviceId, long windowEnd, Reading reading, int source, boolean endOfInput) {

  public static MemberFinal of(String deviceId, long windowEnd, Reading reading, int source) {
    return new MemberFinal(deviceId, windowEnd, reading, source, false);
  }

  /** End of input on source partition {@code source}: every window through {@code finalEnd} is out of it. */
  public static MemberFinal endOfInput(int source, long finalEnd) {
    return new MemberFinal(null, finalEnd, null, source, true);
  }
}
