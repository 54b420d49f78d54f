import type { KitConfig } from '../config';
import { missingModelFiles, modelDirOf } from './model-files';
import { TEST_MODEL_ID, howToGet, modelSpec } from './registry';

/** True when a supported model's files (for its registry dtype) are in the models folder. */
export function isModelInstalled(modelsDir: string, modelId: string): boolean {
  return missingModelFiles(modelDirOf(modelsDir, modelId), modelSpec(modelId).dtype).length === 0;
}

export interface ModelChoice {
  /** The model to load. */
  modelId: string;
  /** What EMBEDDING_MODEL asks for. */
  configured: string;
  usingStandIn: boolean;
  /** Set when the stand-in replaces the configured model: why, and how to get the configured one. */
  note?: string;
}

/**
 * The configured model when it is installed, else the offline stand-in, said out loud in `note`. For
 * notebooks and demos that must run anywhere; the library itself never substitutes a model silently.
 */
export function configuredModelOrStandIn(config: Pick<KitConfig, 'models'>): ModelChoice {
  const configured = config.models.active;
  if (isModelInstalled(config.models.dir, configured))
    return { modelId: configured, configured, usingStandIn: modelSpec(configured).standIn };
  return {
    modelId: TEST_MODEL_ID,
    configured,
    usingStandIn: true,
    note:
      `The configured model ${configured} is not installed here. ${howToGet(modelSpec(configured))} ` +
      `This run uses the STAND-IN ${TEST_MODEL_ID} instead (chosen explicitly, never silently by the library).`,
  };
}
