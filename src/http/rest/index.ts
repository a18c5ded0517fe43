/** The REST door of `zart serve`: the `/api/v1` router and the `/readyz` probe. */
export { createRestApi, type RestApi, type RestApiOptions } from './router.ts'
export { readyHandler } from './ready.ts'
export { DEFAULT_REST_LIMITS, type RestLimits } from './context.ts'
export { HTTP_STATUS, type Problem, type ProblemCode } from './problem.ts'
