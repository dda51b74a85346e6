import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { requestCancel, requestRerun, type OperatorDeps, type Published } from '../loop-actions.js';
import { html, type Html } from './html.js';

/**
 * The rerun and cancel buttons, served only with --allow-actions. A POST must pass two
 * checks: hono's csrf() (the browser's Origin or Sec-Fetch-Site says the form came from this
 * origin) and a token that only this server's pages carry, compared in constant time. The
 * messages are the ones `tdl rerun` and `tdl cancel` publish (cli/loop-actions.ts).
 */
export class Actions {
  private readonly token = randomBytes(32).toString('base64url');

  constructor(
    private readonly deps: OperatorDeps,
    private readonly who: string,
  ) {}

  buttons(loopId: string): Html {
    const action = (path: string, label: string, mode?: string) =>
      html`<form method="post" action="/loops/${encodeURIComponent(loopId)}/${path}">
  <input type="hidden" name="csrf" value="${this.token}">${mode ? html`<input type="hidden" name="mode" value="${mode}">` : ''}
  <button type="submit" class="${path}">${label}</button>
</form>`;
    return html`<div class="actions">${action('rerun', 'Re-run: deploy again', 'redeploy')}${action('rerun', 'Re-run: test again', 'retest')}${action('cancel', 'Cancel the loop')}</div>`;
  }

  register(app: Hono): void {
    app.use('/loops/:loopId/rerun', csrf());
    app.use('/loops/:loopId/cancel', csrf());
    app.post('/loops/:loopId/rerun', async (c) => {
      const form = await c.req.parseBody();
      if (!this.valid(form.csrf)) return c.text('refused: the form did not carry this dashboard\'s token', 403);
      const mode = form.mode === 'retest' ? 'retest' : 'redeploy';
      const loopId = c.req.param('loopId');
      return this.answer(c, loopId, await requestRerun(this.deps, loopId, mode, `re-run from the dashboard by ${this.who}`));
    });
    app.post('/loops/:loopId/cancel', async (c) => {
      const form = await c.req.parseBody();
      if (!this.valid(form.csrf)) return c.text('refused: the form did not carry this dashboard\'s token', 403);
      const loopId = c.req.param('loopId');
      return this.answer(c, loopId, await requestCancel(this.deps, loopId, 'cancelled from the dashboard', this.who));
    });
  }

  private valid(sent: unknown): boolean {
    if (typeof sent !== 'string') return false;
    const a = Buffer.from(sent);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private answer(c: { redirect(url: string, status: 303): Response; text(t: string, s: 404): Response }, loopId: string, r: Published): Response {
    if (!r.ok) return c.text(r.why, 404);
    return c.redirect(`/loops/${encodeURIComponent(loopId)}?published=${encodeURIComponent(`${r.topic} ${r.messageId}`)}`, 303);
  }
}
