import { DerstreamConfig } from '../config';
import { LiveCounts, LiveOptions, runLive } from '../live';
import { runScaledLive } from '../scaledLive';

/**
 * `derstream run`: the live pipeline as configured, one instance alone or, with
 * `DERSTREAM_SCALE_OUT=partials`, one of several; its semantics, consumer group and
 * record size limit from `config`.
 */
export function run(
  config: DerstreamConfig,
  options: Omit<LiveOptions, 'semantics' | 'consumerGroup' | 'maxMessageBytes'>,
): Promise<LiveCounts> {
  return (config.scaleOut === 'partials' ? runScaledLive : runLive)(config, {
    ...options,
    semantics: config.semantics,
    consumerGroup: config.consumerGroup,
    maxMessageBytes: config.maxMessageBytes,
  });
}
