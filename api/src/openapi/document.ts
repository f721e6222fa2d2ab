import { z } from 'zod';
import type { AnyRoute } from '../http/route.js';

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

/** The OpenAPI 3.1 document, generated from the same route definitions and zod schemas that serve requests. */
export function openApiDocument(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/[:*](\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    const status = route.response?.status ?? 200;
    if (route.response?.schema) {
      responses[String(status)] = {
        description: route.response.description ?? 'OK',
        content: { [route.response.contentType ?? 'application/json']: { schema: jsonSchema(route.response.schema, 'output') } },
      };
    } else if (route.response?.contentType) {
      // A body without a zod schema (Prometheus text): still say what media type comes back.
      responses[String(status)] = { description: route.response.description ?? 'OK', content: { [route.response.contentType]: { schema: { type: 'string' } } } };
    } else {
      responses[String(status)] = { description: route.response?.description ?? 'No content' };
    }
    if (route.role !== 'public') {
      responses['401'] = problem('Missing, invalid or expired token');
      responses['403'] = problem(`Needs the ${route.role} role`);
    }
    if (route.params || route.query || route.body) responses['422'] = problem('Invalid input; `errors` names each field');
    for (const code of route.errors ?? []) responses[String(code)] = problem('See `code` and `detail`');
    const bodySchema = route.body ? jsonSchema(route.body as z.ZodType, 'input') : undefined;
    const body = bodySchema
      ? {
          // A body whose fields are all optional (a heartbeat) may be left out entirely.
          required: Array.isArray(bodySchema.required) && bodySchema.required.length > 0,
          content: Object.fromEntries(
            (route.bodyFormat === 'form' ? ['application/x-www-form-urlencoded', 'application/json'] : ['application/json']).map((type) => [type, { schema: bodySchema }]),
          ),
        }
      : undefined;
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
