// Messages between the dashboard panel and its webview.

export interface DashboardData {
  store: string;
  budget: Array<{ time: string; used: number; limit: number }>;
  sizes: Array<{ label: string; count: number }>;
  fields: Record<string, Array<{ label: string; count: number }>>;
}

export type ToWebview = { type: 'data'; data: DashboardData } | { type: 'error'; message: string };
export type FromWebview = { type: 'ready' } | { type: 'field'; name: string };
