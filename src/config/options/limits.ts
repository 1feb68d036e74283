/** Options of the limits module (owned by it). */
export const limitsOptions = {} as const;
