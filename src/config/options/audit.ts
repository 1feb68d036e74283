/** Options of the audit module (owned by it). */
export const auditOptions = {} as const;
