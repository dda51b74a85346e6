import { z } from 'zod';
import { CATEGORIES } from '../config/categories.js';

/**
 * A person's verdict on a failure cluster (`tdl label`), stored as
 * `loops/{loopId}/labels/{id}`: later failures of the loop with the same signature take its
 * category, and `tdl rules export` turns the labels into `classification.rules`.
 */
export const ClusterLabel = z.object({
  /** The cluster's signature when it was labelled: what later clusters are matched by. */
  signature: z.string().min(1),
  category: z.enum(CATEGORIES),
  /** The person's reason, shown in reports instead of the rule's. */
  why: z.string().max(500).optional(),
  /** The category the analysis had given it. */
  previousCategory: z.string(),
  labelledAt: z.string(),
  labelledBy: z.string().optional(),
  /** Where it was labelled: cycle n, cluster k (1-based, as `tdl report` numbers them). */
  cycle: z.number().int().positive(),
  cluster: z.number().int().positive(),
  /** A case id of the cluster, for a person reading the document. */
  example: z.string().optional(),
});
export type ClusterLabel = z.infer<typeof ClusterLabel>;

/** The document id of a label: one per signature, so labelling a cluster again replaces it. */
export function labelId(signature: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < signature.length; i++) h = Math.imul(h ^ signature.charCodeAt(i), 0x01000193) >>> 0;
  const readable = signature.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  return `${readable}-${h.toString(16).padStart(8, '0')}`;
}
