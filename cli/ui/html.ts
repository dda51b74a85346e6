import { html } from 'hono/html';

/**
 * Every page is built with hono's html`` template, which escapes each interpolated string:
 * test output, deploy logs and names from a loop config become text, never markup. Only
 * values that are themselves html`` results are inserted as they are.
 */
export type Html = ReturnType<typeof html>;

export { html };

export function pct(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)} %`;
}

/** An ISO time as a person reads it in a table: "2026-12-03 09:14:27 UTC". */
export function when(iso: string | undefined | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '–';
}

export function seconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`;
}

export function short(commit: string | undefined): string {
  return commit ? commit.slice(0, 8) : '–';
}

/** Cuts long untrusted text for a table cell; the whole text stays in the title. */
export function cut(text: string, max = 240): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** A status or verdict as a coloured badge; the class is chosen from a fixed list, never from the text. */
export function badge(value: string | undefined): Html {
  const tone: Record<string, string> = {
    succeeded: 'good',
    running: 'busy',
    deploying: 'busy',
    testing: 'busy',
    analyzing: 'busy',
    reporting: 'busy',
    redeploy: 'warn',
    'await-fix': 'warn',
    'awaiting-fix': 'warn',
    failed: 'bad',
    blocked: 'bad',
    cancelled: 'muted',
    superseded: 'muted',
    done: 'muted',
  };
  return html`<span class="badge ${tone[value ?? ''] ?? 'muted'}">${value ?? '–'}</span>`;
}

export interface PageOptions {
  title: string;
  /** Breadcrumbs after "loops": [label, href] pairs; the last one is the page itself. */
  crumbs?: Array<[string, string]>;
  /** The loop whose events the page follows live ('*' for every loop); none: a static page. */
  live?: string;
  where: string;
}

/** The page shell: stylesheet and the live script from /assets (the CSP allows no inline script or style). */
export function layout(options: PageOptions, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · tdl</title>
<link rel="stylesheet" href="/assets/app.css">
${options.live ? html`<script src="/assets/live.js" defer></script>` : ''}
</head>
<body${options.live ? html` data-live="${options.live}"` : ''}>
<header>
  <nav><a class="home" href="/">tdl loops</a>${(options.crumbs ?? []).map(([label, href]) => html` <span class="sep">/</span> <a href="${href}">${label}</a>`)}</nav>
  <span class="where">${options.where}</span>
  ${options.live ? html`<span id="live-state" class="live off" title="live updates from loop-events">live: connecting</span>` : ''}
</header>
<main id="content">
${body}
</main>
</body>
</html>`;
}
