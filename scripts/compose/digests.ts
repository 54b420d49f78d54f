/**
 * @file Which images the verification ran: `docker compose images --format json` names each
 * container's image; `docker image inspect` gives its repository digest (`repo@sha256:...`, the
 * reference to pin) or, for the locally built Jupyter image, its image id.
 */
import { ComposeOutputError } from './compose-ps';

export interface ComposeImage {
  container: string;
  /** repository:tag as compose ran it. */
  reference: string;
  /** Local image id (sha256:...). */
  id: string;
}

export interface ImageDigest {
  container: string;
  reference: string;
  /** `repo@sha256:...` when the image came from a registry; undefined for a local build. */
  digest: string | undefined;
  id: string;
}

function parseJsonList(text: string, what: string): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const value = trimmed.startsWith('[')
      ? (JSON.parse(trimmed) as unknown)
      : trimmed
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as unknown);
    if (!Array.isArray(value)) throw new Error('not a list');
    return value as Record<string, unknown>[];
  } catch (e) {
    throw new ComposeOutputError(
      `${what} printed something that is not a JSON list (${(e as Error).message}): ${trimmed.slice(0, 200)}`,
    );
  }
}

/** `docker compose images --format json` (a JSON array; one object per line on some releases). */
export function parseComposeImages(text: string): ComposeImage[] {
  return parseJsonList(text, 'docker compose images').map((r) => {
    const repository = field(r.Repository);
    const tag = field(r.Tag);
    return {
      container: field(r.ContainerName ?? r.Container),
      reference: tag && tag !== '<none>' ? `${repository}:${tag}` : repository,
      id: field(r.ID ?? r.Id),
    };
  });
}

/** `docker image inspect <ids...>`: a JSON array with Id and RepoDigests per image. */
export function parseImageInspect(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of parseJsonList(text, 'docker image inspect')) {
    const id = field(r.Id);
    const digests = Array.isArray(r.RepoDigests) ? r.RepoDigests.map(String) : [];
    out.set(id, digests);
  }
  return out;
}

/** Joins both: the digest of the image's own repository, when it has one. */
export function imageDigests(
  images: readonly ComposeImage[],
  inspected: ReadonlyMap<string, readonly string[]>,
): ImageDigest[] {
  return images.map((img) => {
    const fullId = [...inspected.keys()].find(
      (id) => id === img.id || id.replace(/^sha256:/, '').startsWith(img.id.replace(/^sha256:/, '')),
    );
    const repo = img.reference.replace(/:[^/:]+$/, '');
    const digests = fullId ? (inspected.get(fullId) ?? []) : [];
    const digest =
      digests.find(
        (d) => d.startsWith(`${repo}@`) || d.replace(/^docker\.io\/(library\/)?/, '').startsWith(`${repo}@`),
      ) ?? digests[0];
    return { container: img.container, reference: img.reference, digest, id: fullId ?? img.id };
  });
}

/** A text field of docker's JSON; anything else (absent, an object) reads as empty. */
function field(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}
