import { z } from 'zod';
import { bodyMediaTypes } from '../http/request-body.js';
import { problemStatuses, type AnyRoute } from '../http/route.js';

const ProblemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'Stable machine-readable error code' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['type', 'title', 'status', 'code'],
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const doc = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (doc.required ?? []).includes(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

/** `get_auth_service_tokens_id`, `get_healthz`: unique per method and path, identifier characters only (code generators use it). */
function operationId(route: AnyRoute): string {
  const name = route.path
    .replace(/^\/(api\/v1\/)?/, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${route.method}_${name}`;
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

/** The success (and other non-problem) responses: the main status, and those `response.also` names. */
function answers(route: AnyRoute): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  const main = route.response;
  const schema = main?.schema ? jsonSchema(main.schema, 'output') : undefined;
  // A body without a zod schema (Prometheus text, a report file) still says what media type comes back.
  const content = schema ? { [main?.contentType ?? 'application/json']: { schema } } : main?.contentType ? { [main.contentType]: { schema: { type: 'string' } } } : undefined;
  responses[String(main?.status ?? 200)] = { description: main?.description ?? (content ? 'OK' : 'No content'), ...(content ? { content } : {}) };
  for (const [status, other] of Object.entries(main?.also ?? {})) {
    const otherContent = other.contentType ? { [other.contentType]: { schema: { type: 'string' } } } : content;
    responses[status] = { description: other.description, ...(otherContent ? { content: otherContent } : {}) };
  }
  return responses;
}

function requestBody(route: AnyRoute) {
  // A raw route (a dataset upload) streams whatever it is sent: bytes of any media type.
  if (route.bodyFormat === 'raw') return { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } };
  if (!route.body) return undefined;
  const schema = jsonSchema(route.body as z.ZodType, 'input');
  return {
    // A body may be left out exactly when the route reads a missing body as `{}` and accepts that (a heartbeat).
    required: !(route.body as z.ZodType).safeParse({}).success,
    content: Object.fromEntries(bodyMediaTypes(route.bodyFormat === 'form' ? 'form' : 'json').map((type) => [type, { schema }])),
  };
}

/** The OpenAPI 3.1 document, generated from the same route definitions and zod schemas that serve requests. */
export function openApiDocument(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/[:*](\w+)/g, '{$1}');
    const responses = answers(route);
    for (const [status, description] of problemStatuses(route)) responses[String(status)] = problem(description);
    const body = requestBody(route);
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: operationId(route),
      ...(route.role === 'public' ? { security: [] } : { 'x-required-role': route.role }),
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      ...(body ? { requestBody: body } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'QAtron API', version, description: 'Self-hosted QA automation platform. Errors are RFC 9457 problem details.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A session JWT from /api/v1/auth/login or a service token (qat_…)' },
      },
      schemas: { Problem: ProblemSchema },
    },
    paths,
  };
}
