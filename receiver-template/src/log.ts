/** One JSON object per line on stdout, for any log collector. */
export type Log = (fields: Record<string, unknown>) => void;

export const jsonLineLog: Log = (fields) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
};
