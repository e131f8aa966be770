package io.derstream.peer;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * One record of the compacted groups topic, in the JSON form of SEMANTICS.md §2:
 * {@code {mRID, name?, effectiveFrom?, deleted?, members?: [{deviceId, ratedPower?, ratedEnergy?}]}}.
 * Unknown fields (derFunction, ...) are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GroupDef(String mRID, String name, Long effectiveFrom, Boolean deleted, List<Member> members) {

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Member(String deviceId, Double ratedPower, Double ratedEnergy) {}

  /** A group that has a status: present and not a deletion. */
  public boolean exists() {
    return !Boolean.TRUE.equals(deleted);
  }

  public List<Member> memberList() {
    return members == null ? List.of() : members;
  }
}
