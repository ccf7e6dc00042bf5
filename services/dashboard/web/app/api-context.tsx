import { createContext, useContext, type ReactNode } from 'react';
import type { DashboardApi } from '../api/dashboard-api.ts';

const ApiContext = createContext<DashboardApi | null>(null);

/** Gives every panel the API (the real one in the app, a fake in component tests). */
export function ApiProvider({ api, children }: { api: DashboardApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): DashboardApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiProvider');
  return api;
}
