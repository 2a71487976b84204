import type { FastifyInstance } from 'fastify';
import { sendPage } from '../context';
import { html } from '../html';

interface Operation {
  summary?: string;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
}

/**
 * The API for people: each route with its purpose and the shape of its body, rendered on the server from
 * the OpenAPI document (our pages run no script, so no Swagger UI).
 */
export function apiDocsRoute(app: FastifyInstance): void {
  app.get('/api/docs', async (_req, reply) => {
    const doc = app.swagger() as { paths?: Record<string, Record<string, Operation>> };
    const routes = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    return sendPage(
      reply,
      'API cho hệ thống khác',
      html`<p>
          Khóa API do quản trị viên tạo (<code>chidao token add --name … --role …</code>), gửi kèm
          <code>Authorization: Bearer &lt;khóa&gt;</code>. Lỗi theo RFC 9457 (<code>application/problem+json</code>,
          <code>errors[].pointer</code> chỉ trường sai). Tài liệu máy đọc:
          <a href="/api/openapi.json">/api/openapi.json</a>
          (OpenAPI 3.1).
        </p>
        ${routes.map(
          ({ path, method, op }) =>
            html`<h2><code>${method} ${path}</code></h2>
              <p>${op.summary ?? ''}</p>
              ${
                op.requestBody?.content?.['application/json']?.schema
                  ? html`<pre class="plan">
${JSON.stringify(op.requestBody.content['application/json'].schema, null, 2)}</pre>`
                  : ''
              }`,
        )}`,
    );
  });
}
