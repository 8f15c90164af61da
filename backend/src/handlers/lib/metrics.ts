import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FanoutResult } from '../../domain/fanout.js';

/**
 * Fan-out metrics as CloudWatch embedded metric format (one log line per fan-out, no PutMetricData call on the hot
 * path). Namespace and service come from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME (serverless.yml);
 * the local runtime sets POWERTOOLS_METRICS_DISABLED. One dimension, the room-size bucket, keeps the metric count
 * (and its price) at 4 x 5. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format.html
 */
export const metrics = new Metrics();

const BUCKETS = [10, 100, 1_000, 10_000] as const;

/** "1-10", "11-100", "101-1000", "1001-10000" or "10001+": recipients of one fan-out (a worker's: of its shard). */
export function sizeBucket(recipients: number): string {
  let low = 1;
  for (const high of BUCKETS) {
    if (recipients <= high) return `${low}-${high}`;
    low = high + 1;
  }
  return `${low}+`;
}

export function publishFanout(into: Metrics, result: FanoutResult, durationMs: number): void {
  const recipients = result.delivered + result.gone.length + result.failed.length;
  if (recipients === 0) return;
  into.addDimensions({ roomSize: sizeBucket(recipients) });
  into.addMetric('Deliveries', MetricUnit.Count, result.delivered);
  into.addMetric('Gone', MetricUnit.Count, result.gone.length);
  into.addMetric('Throttled', MetricUnit.Count, result.throttled);
  into.addMetric('FanoutDuration', MetricUnit.Milliseconds, durationMs);
  into.publishStoredMetrics();
}
