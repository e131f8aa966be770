package io.derstream.peer;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Telemetry values in Confluent's wire format (magic byte 0, 4-byte big-endian schema id,
 * Avro binary), decoded without Confluent's KafkaAvroDeserializer (its repository is not
 * reachable from our machines): the writer schema is fetched once per id from the
 * registry's Confluent-compatible API ({@code GET /schemas/ids/{id}}) and cached, and the
 * record is read with Apache Avro's GenericDatumReader, resolving the writer schema (v1 or
 * v2) against the project's v1 schema as reader schema, so v2's extra field is skipped.
 *
 * <p>Every call counts as one consumed telemetry record; a record that cannot be decoded
 * throws, and the configured LogAndContinueExceptionHandler skips it.
 */
final class ConfluentAvroReadingDeserializer implements Deserializer<Reading> {
  private final String registryUrl;
  private final Counters counters;
  private final Schema readerSchema;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ConcurrentHashMap<Integer, DatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();
  private final int fDeviceId, fTs, fActivePower, fReactivePower, fVoltage, fSoc, fMax, fMin, fConnected;

  ConfluentAvroReadingDeserializer(String registryUrl, Counters counters) {
    this.registryUrl = registryUrl.replaceAll("/+$", "");
    this.counters = counters;
    try (InputStream in = getClass().getResourceAsStream("/avro/TelemetryReading.v1.avsc")) {
      if (in == null) throw new IllegalStateException("reader schema avro/TelemetryReading.v1.avsc missing from the jar");
      readerSchema = new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the reader schema", e);
    }
    fDeviceId = position("deviceId");
    fTs = position("ts");
    fActivePower = position("activePower");
    fReactivePower = position("reactivePower");
    fVoltage = position("voltage");
    fSoc = position("stateOfCharge");
    fMax = position("maxActivePower");
    fMin = position("minActivePower");
    fConnected = position("connected");
  }

  private int position(String field) {
    return readerSchema.getField(field).pos();
  }

  @Override
  public Reading deserialize(String topic, byte[] data) {
    counters.consumed.increment();
    if (data == null) return null;
    try {
      if (data.length < 5 || data[0] != 0)
        throw new SerializationException("not in Confluent's wire format (magic byte 0 + schema id)");
      int id = ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
      DatumReader<GenericRecord> reader = readers.computeIfAbsent(id, this::readerFor);
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, decoders.get());
      decoders.set(decoder);
      GenericRecord r = reader.read(null, decoder);
      return new Reading(
          r.get(fDeviceId).toString(),
          (Long) r.get(fTs),
          (Double) r.get(fActivePower),
          (Double) r.get(fReactivePower),
          (Double) r.get(fVoltage),
          (Double) r.get(fSoc),
          (Double) r.get(fMax),
          (Double) r.get(fMin),
          (Boolean) r.get(fConnected));
    } catch (IOException | RuntimeException e) {
      counters.undecodable.increment();
      if (e instanceof SerializationException se) throw se;
      throw new SerializationException("undecodable telemetry record: " + e.getMessage(), e);
    }
  }

  private DatumReader<GenericRecord> readerFor(int id) {
    String url = registryUrl + "/schemas/ids/" + id;
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200)
        throw new SerializationException("schema id " + id + ": registry answered HTTP " + response.statusCode() + " at " + url);
      String schema = JsonSerde.MAPPER.readTree(response.body()).path("schema").asText(null);
      if (schema == null) throw new SerializationException("schema id " + id + ": no \"schema\" in the registry's answer");
      Schema writer = new Schema.Parser().parse(schema);
      return new GenericDatumReader<>(writer, readerSchema);
    } catch (IOException e) {
      throw new SerializationException("schema id " + id + ": cannot fetch " + url + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SerializationException("interrupted fetching schema id " + id, e);
    }
  }
}
