// Runs inside the dashboard webview: draws the charts with Chart.js (bundled, no CDN).
import { type ChartConfiguration, BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { DashboardData, FromWebview, ToWebview } from '../dashboard/data';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Filler, Legend, Tooltip);

declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void };
const vscode = acquireVsCodeApi();
const charts = new Map<string, Chart<'bar' | 'line', number[], string>>();

function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function draw(id: string, config: ChartConfiguration<'bar' | 'line', number[], string>): void {
  charts.get(id)?.destroy();
  const canvas = document.getElementById(id) as HTMLCanvasElement;
  charts.set(id, new Chart(canvas, config));
}

function render(data: DashboardData): void {
  const fg = css('--vscode-foreground', '#ccc');
  const grid = css('--vscode-panel-border', '#8884');
  const blue = css('--vscode-charts-blue', '#3794ff');
  const orange = css('--vscode-charts-orange', '#d18616');
  const green = css('--vscode-charts-green', '#89d185');
  Chart.defaults.color = fg;
  Chart.defaults.borderColor = grid;
  const common = { responsive: true, maintainAspectRatio: false, animation: false as const };

  draw('budget', {
    type: 'line',
    data: {
      labels: data.budget.map((b) => new Date(b.time).toLocaleTimeString()),
      datasets: [
        { label: 'used', data: data.budget.map((b) => b.used), borderColor: blue, backgroundColor: blue + '33', fill: true },
        { label: 'limit', data: data.budget.map((b) => b.limit), borderColor: orange, borderDash: [4, 4], pointRadius: 0 },
      ],
    },
    options: { ...common, scales: { y: { beginAtZero: true } } },
  });
  draw('sizes', {
    type: 'bar',
    data: { labels: data.sizes.map((s) => s.label), datasets: [{ label: 'entries', data: data.sizes.map((s) => s.count), backgroundColor: green }] },
    options: { ...common, scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
  });

  const select = document.getElementById('field') as HTMLSelectElement;
  const names = Object.keys(data.fields);
  if (select.options.length !== names.length) {
    select.replaceChildren(...names.map((n) => new Option(n, n)));
  }
  const drawField = (): void => {
    const values = data.fields[select.value] ?? [];
    draw('fieldChart', {
      type: 'bar',
      data: { labels: values.map((v) => v.label), datasets: [{ label: select.value, data: values.map((v) => v.count), backgroundColor: blue }] },
      options: { ...common, scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
    });
  };
  select.onchange = () => { drawField(); vscode.postMessage({ type: 'field', name: select.value }); };
  drawField();

  const status = document.getElementById('status')!;
  status.className = '';
  status.textContent = `${data.store}: ${data.sizes.reduce((n, s) => n + s.count, 0)} entries sampled`;
  document.body.dataset.rendered = String(charts.size);
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  if (msg.type === 'data') render(msg.data);
  else if (msg.type === 'error') {
    const status = document.getElementById('status')!;
    status.className = 'error';
    status.textContent = msg.message;
  }
});
vscode.postMessage({ type: 'ready' });
