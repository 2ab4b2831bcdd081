// The dashboard page: strict CSP (nonce'd script only, no remote resources), VS Code theme colours.
// No vscode import: the webview test renders this same HTML in headless Chromium.

export interface DashboardPage {
  cspSource: string; // webview.cspSource (or the test server's origin)
  nonce: string;
  scriptUri: string; // dist/webview/dashboard.js
  title: string;
}

export function makeNonce(random: (n: number) => Uint8Array): string {
  return Buffer.from(random(18)).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderDashboardHtml(p: DashboardPage): string {
  const csp = [
    "default-src 'none'",
    `img-src ${p.cspSource} data:`,
    `style-src 'nonce-${p.nonce}'`,
    `script-src 'nonce-${p.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(p.title)}</title>
<style nonce="${p.nonce}">
  body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 16px; }
  h1 { font-size: 1.3em; font-weight: 600; }
  h2 { font-size: 1.05em; font-weight: 600; margin: 0 0 8px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
  section { border: 1px solid var(--vscode-panel-border, #8884); border-radius: 4px; padding: 12px; }
  .chart { position: relative; height: 240px; }
  #status { color: var(--vscode-descriptionForeground); }
  #status.error { color: var(--vscode-errorForeground); }
  select { color: var(--vscode-dropdown-foreground); background: var(--vscode-dropdown-background); border: 1px solid var(--vscode-dropdown-border, transparent); }
</style>
</head>
<body>
<h1 id="title">${esc(p.title)}</h1>
<p id="status">Loading…</p>
<div class="grid">
  <section><h2>Request budget use</h2><div class="chart"><canvas id="budget" aria-label="Request budget use over time"></canvas></div></section>
  <section><h2>Entry sizes</h2><div class="chart"><canvas id="sizes" aria-label="Entry-size histogram"></canvas></div></section>
  <section><h2>Field <select id="field" aria-label="Top-level field"></select></h2><div class="chart"><canvas id="fieldChart" aria-label="Distribution of the chosen field"></canvas></div></section>
</div>
<script nonce="${p.nonce}" src="${esc(p.scriptUri)}"></script>
</body>
</html>`;
}
