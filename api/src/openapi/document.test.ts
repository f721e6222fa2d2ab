import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { openApiDocument } from './document.js';

const Widget = z.object({ id: z.number().int(), name: z.string(), created_at: z.iso.datetime() });
const handler = async () => undefined;

const routes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/ping',
    summary: 'Is it there',
    tag: 'health',
    role: 'public',
    response: { status: 200, schema: z.object({ status: z.literal('ok') }) },
    database: false,
    handler,
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/widgets',
    summary: 'List widgets',
    tag: 'widgets',
    role: 'viewer',
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), colour: z.enum(['red', 'blue']).describe('Only this colour') }),
    response: { status: 200, schema: z.object({ items: z.array(Widget) }) },
    handler,
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/widgets/:id',
    summary: 'Rename a widget',
    tag: 'widgets',
    role: 'admin',
    params: z.object({ id: z.coerce.number().int().positive() }),
    body: z.object({ name: z.string().min(1), note: z.string().optional() }),
    response: { status: 200, schema: Widget },
    errors: [404, 409],
    handler,
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/widgets/:id/poke',
    summary: 'Poke a widget, optionally harder',
    tag: 'widgets',
    role: 'user',
    params: z.object({ id: z.coerce.number().int().positive() }),
    body: z.object({ force: z.number().optional() }),
    response: { status: 204 },
    handler,
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/session',
    summary: 'Log in',
    tag: 'auth',
    role: 'public',
    body: z.object({ username: z.string(), password: z.string() }),
    bodyFormat: 'form',
    response: { status: 200, schema: z.object({ access_token: z.string() }) },
    handler,
  }),
  defineRoute({
    method: 'get',
    path: '/scrape',
    summary: 'Metrics text',
    tag: 'health',
    role: 'public',
    response: { status: 200, description: 'Prometheus text', contentType: 'text/plain' },
    errors: [401],
    handler,
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/widgets/:id/picture',
    summary: 'Upload a picture, or re-upload it',
    tag: 'widgets',
    role: 'user',
    params: z.object({ id: z.coerce.number().int().positive() }),
    bodyFormat: 'raw',
    response: { status: 201, schema: Widget, description: 'Stored', also: { 200: { description: 'Replaced' }, 308: { description: 'Elsewhere', contentType: 'text/plain' } } },
    errors: [413],
    handler,
  }),
];

const doc = openApiDocument(routes, '9.9.9') as any;

describe('openApiDocument', () => {
  it('is an OpenAPI 3.1 document with bearer security by default and the Problem schema', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('9.9.9');
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.components.schemas.Problem.required).toEqual(['type', 'title', 'status', 'code']);
    expect(Object.keys(doc.paths)).toEqual(['/ping', '/api/v1/widgets', '/api/v1/widgets/{id}', '/api/v1/widgets/{id}/poke', '/api/v1/session', '/scrape', '/api/v1/widgets/{id}/picture']);
  });

  it('marks public routes with an empty security list and no auth responses; only malformed requests for one without the database', () => {
    const ping = doc.paths['/ping'].get;
    expect(ping).toMatchObject({ summary: 'Is it there', tags: ['health'], operationId: 'get_ping', security: [], parameters: [] });
    expect(Object.keys(ping.responses)).toEqual(['200', '400', '431']);
    expect(ping.responses['200'].content['application/json'].schema).toEqual({
      type: 'object',
      properties: { status: { type: 'string', const: 'ok' } },
      required: ['status'],
      additionalProperties: false,
    });
  });

  it('documents query parameters, with defaults optional and descriptions carried over', () => {
    const list = doc.paths['/api/v1/widgets'].get;
    expect(list.security).toBeUndefined();
    expect(list['x-required-role']).toBe('viewer');
    expect(list.parameters).toEqual([
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
      { name: 'colour', in: 'query', required: true, schema: { type: 'string', enum: ['red', 'blue'], description: 'Only this colour' }, description: 'Only this colour' },
    ]);
    expect(Object.keys(list.responses)).toEqual(['200', '400', '401', '403', '422', '431', '503']);
    expect(list.responses['503'].description).toMatch(/^database_unavailable/);
    expect(list.responses['200'].content['application/json'].schema.properties.items.items.properties.created_at).toMatchObject({ type: 'string', format: 'date-time' });
  });

  it('turns Koa path parameters into templated ones and documents bodies and extra problems', () => {
    const put = doc.paths['/api/v1/widgets/{id}'].put;
    expect(put.operationId).toBe('put_widgets_id');
    expect(put.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: expect.objectContaining({ type: 'integer' }) }]);
    expect(put.requestBody.required).toBe(true);
    expect(Object.keys(put.requestBody.content)).toEqual(['application/json']);
    expect(put.requestBody.content['application/json'].schema.required).toEqual(['name']);
    expect(Object.keys(put.responses)).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '422', '431', '503']);
    expect(put.responses['403'].description).toMatch(/^Needs the admin role; or the caller's organization is deactivated/);
    expect(put.responses['413'].description).toBe('The body is larger than 1048576 bytes');
    expect(put.responses['409'].description).toBe('See `code` and `detail`');
    expect(put.responses['404'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
  });

  it('makes a body of optional fields optional, and answers 204 without content', () => {
    const poke = doc.paths['/api/v1/widgets/{id}/poke'].post;
    expect(poke.operationId).toBe('post_widgets_id_poke');
    expect(poke.requestBody.required).toBe(false);
    expect(poke.responses['204']).toEqual({ description: 'No content' });
  });

  it('offers the form encoding first for form bodies', () => {
    const login = doc.paths['/api/v1/session'].post;
    expect(login.security).toEqual([]);
    expect(Object.keys(login.requestBody.content)).toEqual(['application/x-www-form-urlencoded', 'application/json']);
    expect(Object.keys(login.responses)).toEqual(['200', '400', '413', '415', '422', '431', '503']);
    expect(login.responses['413'].description).toBe('The body is larger than 65536 bytes');
  });

  it('names the media type of a schema-less body', () => {
    const scrape = doc.paths['/scrape'].get;
    expect(scrape.responses['200']).toEqual({ description: 'Prometheus text', content: { 'text/plain': { schema: { type: 'string' } } } });
    expect(Object.keys(scrape.responses)).toEqual(['200', '400', '401', '431', '503']);
  });

  it('documents a raw body as bytes of any type, and the other statuses a handler answers', () => {
    const upload = doc.paths['/api/v1/widgets/{id}/picture'].put;
    expect(upload.requestBody).toEqual({ required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } });
    expect(Object.keys(upload.responses)).toEqual(['200', '201', '308', '400', '401', '403', '404', '413', '422', '431', '503']);
    expect(upload.responses['200']).toEqual({ description: 'Replaced', content: upload.responses['201'].content });
    expect(upload.responses['308']).toEqual({ description: 'Elsewhere', content: { 'text/plain': { schema: { type: 'string' } } } });
    expect(upload.responses['413'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
  });
});
