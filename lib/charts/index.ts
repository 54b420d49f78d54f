export * from './spec';
export * from './builders';
export { toPlotValue, toNumericValue, plotlyText } from './values';
export {
  type Row,
  type FrameLike,
  type TabularInput,
  TabularInputError,
  isFrameLike,
  rowCount,
  columnNames,
  columnTypes,
  columnValues,
  headRecords,
} from './tabular';
