import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createDashboardApi } from './api/dashboard-api.ts';
import { ApiProvider } from './app/api-context.tsx';
import { App } from './app/App.tsx';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiProvider api={createDashboardApi()}>
      <App />
    </ApiProvider>
  </StrictMode>,
);
