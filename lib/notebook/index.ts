export { showTable, renderTableHtml, renderTableText, type TableOptions } from './table';
export {
  showChart,
  renderChartHtml,
  plotlyLoaderHtml,
  plotlySource,
  PlotlyNotFoundError,
  type ShowChartOptions,
} from './chart';
export { progress, type Progress, type ProgressOptions } from './progress';
export { inKernel } from './kernel';
export { escapeHtml } from './html';
export { redactForDisplay } from './redact';
