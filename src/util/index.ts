// Shared seams and helpers of the portable core (the lowest layer: imports nothing else in src/):
// errors, byte comparisons, clock and randomness, logger, the portable metrics registry and its
// Prometheus text rendering, and the simulated clock.
export { GossamerError } from "./errors.ts";
export { EMPTY, bytesEqual, timingSafeEqual } from "./bytes.ts";
export { systemClock, systemRandom, seededRandom } from "./clock.ts";
export type { Clock, Random, TimerHandle } from "./clock.ts";
export { LOG_LEVELS, isLogLevel, nullLogger, consoleJsonLogger } from "./logger.ts";
export type { Logger, LogLevel } from "./logger.ts";
export { LOG_LIMIT_DEFAULTS, LogLimiter, logLimiterOf, rateLimitedLogger } from "./log-limit.ts";
export type { LogLimitOptions } from "./log-limit.ts";
export { MetricsRegistry, DEFAULT_BUCKETS, PROMETHEUS_CONTENT_TYPE, renderPrometheus, withLabels } from "./metrics.ts";
export type { Counter, Gauge, Histogram, Collector, Labels, MetricFamily, MetricType } from "./metrics.ts";
export { SimClock } from "./sim-clock.ts";
export { WorkGate } from "./work-gate.ts";
export type { WorkGateStats } from "./work-gate.ts";
