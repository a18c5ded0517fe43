import { ZartError } from '../errors.ts'
import type { CliContext } from './context.ts'

/** The packages the OTLP exporter needs (optional dependencies: an install may omit them). */
const SDK_PACKAGES = '@opentelemetry/sdk-trace-node @opentelemetry/exporter-trace-otlp-http @opentelemetry/resources'

/**
 * Whether the standard OpenTelemetry variables ask for traces: `OTEL_TRACES_EXPORTER=otlp`,
 * or an OTLP endpoint given (`OTEL_EXPORTER_OTLP_ENDPOINT`, `..._TRACES_ENDPOINT`) with no
 * exporter named. `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off. Reads
 * the environment only: deciding costs nothing, and nothing is imported when it is off.
 */
export function tracesWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false
  const named = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '')
  if (named.length === 0) return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  if (named.includes('none')) return false
  const unknown = named.filter((e) => e !== 'otlp')
  if (unknown.length > 0) {
    throw new ZartError(
      'INVALID_INPUT',
      `OTEL_TRACES_EXPORTER "${unknown.join(',')}" is not supported: use otlp (OTLP over HTTP) or none`,
    )
  }
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim()
  if (protocol === 'grpc') {
    throw new ZartError(
      'INVALID_INPUT',
      'OTEL_EXPORTER_OTLP_PROTOCOL "grpc" is not supported: zart exports OTLP over HTTP (port 4318 on a collector); ' +
        'set it to http/json or unset it',
    )
  }
  return true
}

/**
 * For the long-running commands (`serve`, `worker`, `mcp`): when the OTEL_* variables ask
 * for traces, loads the OpenTelemetry SDK and an OTLP/HTTP exporter and registers them
 * (with the W3C propagator and an async-context manager), so the engine's spans go out.
 * Returns what flushes and stops it on the way out. With tracing off it imports nothing.
 */
export async function startTracing(context: CliContext, service: string): Promise<() => Promise<void>> {
  if (!tracesWanted(context.io.env)) return async () => {}
  let sdk: typeof import('@opentelemetry/sdk-trace-node')
  let otlp: typeof import('@opentelemetry/exporter-trace-otlp-http')
  let resources: typeof import('@opentelemetry/resources')
  let api: typeof import('@opentelemetry/api')
  try {
    ;[sdk, otlp, resources, api] = await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/api'),
    ])
  } catch (error) {
    // Traces are for looking, never a reason not to run the work.
    context.logger.warn(
      `traces are asked for by OTEL_* variables but the SDK is missing: npm install ${SDK_PACKAGES}`,
      {
        error: String(error),
      },
    )
    return async () => {}
  }
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': 'zart' }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }))
  const provider = new sdk.NodeTracerProvider({
    resource,
    spanProcessors: [new sdk.BatchSpanProcessor(new otlp.OTLPTraceExporter())],
  })
  // The SDK reports export failures (a collector that does not answer) only to its
  // diagnostic logger: send its warnings and errors to zart's log rather than nowhere.
  const report = (message: string, ...args: unknown[]) =>
    context.logger.warn(`opentelemetry: ${message}`, args.length > 0 ? { detail: args.map(String).join(' ') } : {})
  api.diag.setLogger(
    { error: report, warn: report, info: () => {}, debug: () => {}, verbose: () => {} },
    api.DiagLogLevel.WARN,
  )
  provider.register()
  context.logger.info('exporting traces over OTLP/HTTP', { service, endpoint: endpoint(context.io.env) })
  return async () => {
    await provider.shutdown().catch((error: unknown) => {
      context.logger.warn('could not flush the last traces', { error: String(error) })
    })
  }
}

function endpoint(env: Readonly<Record<string, string | undefined>>): string {
  return (
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` : undefined) ??
    'http://localhost:4318/v1/traces'
  )
}
