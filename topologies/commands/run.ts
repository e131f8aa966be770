import { allocatorNote, runningGlibc } from '../allocatorNote';
import { DerstreamConfig } from '../config';
import { LiveCounts, LiveOptions, runLive } from '../live';
import { runScaledLive } from '../scaledLive';

/**
 * `derstream run`: the live pipeline as configured, one instance alone or, with
 * `DERSTREAM_SCALE_OUT=partials`, one of several; its semantics, consumer group and
 * record size limit from `config`. It logs first what glibc's allocator was started with.
 */
export function run(
  config: DerstreamConfig,
  options: Omit<LiveOptions, 'semantics' | 'consumerGroup' | 'maxMessageBytes'>,
): Promise<LiveCounts> {
  const note = allocatorNote(process.env, runningGlibc());
  if (note !== undefined) options.log(note);
  return (config.scaleOut === 'partials' ? runScaledLive : runLive)(config, {
    ...options,
    semantics: config.semantics,
    consumerGroup: config.consumerGroup,
    maxMessageBytes: config.maxMessageBytes,
  });
}
