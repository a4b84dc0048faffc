// Checks an answer's status against openapi.json: a documented route answers only the statuses its entry lists.
type Spec = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

interface Route {
  template: string;
  pattern: RegExp;
  methods: Record<string, Set<number>>;
}

/** The routes of a served openapi.json, each with the statuses documented per method (HEAD answers as GET). */
export function documentedRoutes(spec: Spec): Route[] {
  return Object.entries(spec.paths).map(([template, item]) => {
    const pattern = new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[A-Za-z_]+\}/g, "[^/]+")}$`);
    const methods: Record<string, Set<number>> = {};
    for (const [method, op] of Object.entries(item)) methods[method.toUpperCase()] = new Set(Object.keys(op.responses).map(Number));
    if (methods.GET) methods.HEAD = methods.GET;
    return { template, pattern, methods };
  });
}

/**
 * What a request no route matches may get: the edge's answers, which run before routing — the API key check
 * (401), /admin's role check on every method (403), a malformed Idempotency-Key or body (400, 413, 415) or a key
 * reused (409) — then 404 or 405.
 */
const NO_ROUTE = new Set([400, 401, 403, 404, 405, 409, 413, 415]);

/**
 * Why `status` for `method path` is not what openapi.json documents, or undefined when it is: a documented method
 * answers only its listed statuses; anything else only the edge's (NO_ROUTE).
 */
export function undocumentedStatus(routes: Route[], method: string, path: string, status: number): string | undefined {
  const route = routes.find((r) => r.pattern.test(path));
  if (!route) return NO_ROUTE.has(status) ? undefined : `${status} on a path openapi.json does not have`;
  const statuses = route.methods[method];
  if (!statuses) return NO_ROUTE.has(status) ? undefined : `${status} for ${method}, which ${route.template} does not document`;
  return statuses.has(status) ? undefined : `${status} is not among the statuses of ${method} ${route.template}: ${[...statuses].join(", ")}`;
}
