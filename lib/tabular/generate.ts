/** @file The retail generator: a dataset plan's tables, chunk by chunk, as polars frames (or as codes for the engine path). */
import type pl from 'nodejs-polars';
import { activityCodes, type ActivityCodes } from './activity';
import { DEFAULT_PERIOD } from './calendar';
import { TabularInputError } from './errors';
import { buildUniverse, type RetailUniverse } from './universe';
import { activityFrames, customerFrame, productFrame } from './code-frames';
import { planDataset, type DatasetPlan, type DatasetSpec } from './dataset-plan';

/** Builds frames of the dataset chunk by chunk; memory stays bounded by one chunk plus the universe. */
export class RetailGenerator {
  readonly plan: DatasetPlan;
  private universeCache: RetailUniverse | undefined;

  constructor(spec: DatasetSpec = {}) {
    this.plan = planDataset(spec);
  }

  get universe(): RetailUniverse {
    this.universeCache ??= buildUniverse(this.plan.seed, this.plan.customers, this.plan.products, DEFAULT_PERIOD);
    return this.universeCache;
  }

  /** Rows [chunk * chunkRows, ...) of the customers table. */
  customersChunk(chunk: number): pl.DataFrame {
    const [start, end] = this.range(chunk, this.plan.customers, 'customers');
    return customerFrame(this.universe, start, end);
  }

  productsChunk(chunk: number): pl.DataFrame {
    const [start, end] = this.range(chunk, this.plan.products, 'products');
    return productFrame(this.universe, start, end);
  }

  /** One chunk of events and the orders its purchases placed, as codes (what activityChunk converts). */
  activityCodesChunk(chunk: number): ActivityCodes {
    const [start, end] = this.range(chunk, this.plan.events, 'events');
    return activityCodes(this.universe, chunk, start, end - start);
  }

  /** One chunk of events and the orders its purchases placed. */
  activityChunk(chunk: number): { events: pl.DataFrame; orders: pl.DataFrame } {
    const [start, end] = this.range(chunk, this.plan.events, 'events');
    return activityFrames(this.universe, chunk, start, end - start);
  }

  private range(chunk: number, total: number, table: string): [number, number] {
    const count = Math.ceil(total / this.plan.chunkRows);
    if (!Number.isInteger(chunk) || chunk < 0 || chunk >= count) {
      throw new TabularInputError(
        `chunk ${chunk} does not exist for ${table}: there are ${count} (0 to ${count - 1}).`,
      );
    }
    const start = chunk * this.plan.chunkRows;
    return [start, Math.min(total, start + this.plan.chunkRows)];
  }
}
