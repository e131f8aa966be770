package io.derstream.peer;

/**
 * Per group, in the group step: the end of the first window with a fresh member (where
 * its statuses start) and the end of the last window emitted ({@code Long.MIN_VALUE}
 * before the first).
 */
public record GroupProgress(long firstEnd, long lastEmittedEnd) {

  public boolean started() {
    return lastEmittedEnd != Long.MIN_VALUE;
  }
}
